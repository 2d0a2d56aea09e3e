# StyleGAN (v1) LSUN bedroom 256. NO public mmagic checkpoint: convert the official
# pickle yourself and set `checkpoint`. 7 layers (2496 channels). psi=0.7, first 8 layers.
generator = dict(
    type='FeatureGenerator',
    generator=dict(_scope_='mmagic', type='StyleGANv1Generator', out_size=256, style_channels=512),
    checkpoint='checkpoints/stylegan_lsun-bedroom-256_converted.pth',
    output_order='rgb',
    truncation=0.7,
    truncation_layers=8)
