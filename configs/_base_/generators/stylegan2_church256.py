# StyleGAN2 config-f LSUN church 256 (official weights; RGB). 13 layers, 5376 channels.
generator = dict(
    type='FeatureGenerator',
    generator=dict(_scope_='mmagic', type='StyleGANv2Generator', out_size=256, style_channels=512),
    checkpoint='https://download.openmmlab.com/mmediting/stylegan2/official_weights/'
    'stylegan2-church-config-f-official_20210327_172657-1d42b7d1.pth',
    output_order='rgb',
    truncation=0.5,
    truncation_layers=None)
