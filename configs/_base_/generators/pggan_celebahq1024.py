# PGGAN CelebA-HQ 1024 (mmagic zoo). z input only (no mapping, no truncation); one
# feature per resolution block after its second conv: 9 layers.
generator = dict(
    type='FeatureGenerator',
    generator=dict(_scope_='mmagic', type='PGGANGenerator', noise_size=512, out_scale=1024),
    checkpoint='https://download.openmmlab.com/mmediting/pggan/'
    'pggan_celeba-hq_1024_g8_20210408_181911-f1ef51c3.pth',
    output_order='bgr')
