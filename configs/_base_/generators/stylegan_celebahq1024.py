# StyleGAN (v1) CelebA-HQ 1024, the paper's face StyleGAN. NO public mmagic checkpoint:
# convert the official pickle yourself and set `checkpoint` (or use stylegan_ffhq1024.py,
# which is in the mmagic zoo). 9 layers. psi=0.7 on the first 8 layers.
generator = dict(
    type='FeatureGenerator',
    generator=dict(_scope_='mmagic', type='StyleGANv1Generator', out_size=1024, style_channels=512),
    checkpoint='checkpoints/stylegan_celeba-hq-1024_converted.pth',
    output_order='rgb',
    truncation=0.7,
    truncation_layers=8)
