# StyleGAN (v1) FFHQ 1024 trained by OpenMMLab (mmagic zoo). One feature per resolution
# block (after its second conv + AdaIN): 9 layers. Paper: psi=0.7 on the first 8 layers.
# mmagic-trained generators emit BGR (see mmagic's docs) -> output_order='bgr'.
generator = dict(
    type='FeatureGenerator',
    generator=dict(_scope_='mmagic', type='StyleGANv1Generator', out_size=1024, style_channels=512),
    checkpoint='https://download.openmmlab.com/mmediting/styleganv1/'
    'styleganv1_ffhq_1024_g8_25Mimg_20210407_161627-850a7234.pth',
    output_order='bgr',
    truncation=0.7,
    truncation_layers=8)
