# StyleGAN2 LSUN bedroom 256. NO public mmagic checkpoint exists for this model: convert
# NVIDIA's official pickle to an mmagic state dict yourself and set `checkpoint` (a path
# or URL; keys `generator_ema.*`, `generator.*` or bare generator keys are accepted).
generator = dict(
    type='FeatureGenerator',
    generator=dict(_scope_='mmagic', type='StyleGANv2Generator', out_size=256, style_channels=512),
    checkpoint='checkpoints/stylegan2_lsun-bedroom-256_converted.pth',
    output_order='rgb',
    truncation=0.5,
    truncation_layers=None)
