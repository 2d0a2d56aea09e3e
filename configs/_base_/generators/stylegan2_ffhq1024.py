# StyleGAN2 config-f FFHQ 1024 (official weights converted by OpenMMLab; RGB output).
# 17 feature layers (conv1 + 16 convs), 5568 channels. Paper: trunc-wp psi=0.5 on all layers.
generator = dict(
    type='FeatureGenerator',
    generator=dict(_scope_='mmagic', type='StyleGANv2Generator', out_size=1024, style_channels=512),
    checkpoint='https://download.openmmlab.com/mmediting/stylegan2/official_weights/'
    'stylegan2-ffhq-config-f-official_20210327_171224-bce9310c.pth',
    output_order='rgb',
    truncation=0.5,
    truncation_layers=None)
