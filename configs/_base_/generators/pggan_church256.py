# PGGAN LSUN church 256. NO public mmagic checkpoint: convert the official pickle yourself
# and set `checkpoint`. z input only; 7 layers (one per block).
generator = dict(
    type='FeatureGenerator',
    generator=dict(_scope_='mmagic', type='PGGANGenerator', noise_size=512, out_scale=256),
    checkpoint='checkpoints/pggan_lsun-church-256_converted.pth',
    output_order='rgb')
