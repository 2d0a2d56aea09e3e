# PGGAN LSUN bedroom 128 (mmagic zoo; the paper used 256, for which no public mmagic
# checkpoint exists: set `out_scale=256` and your own converted `checkpoint`).
generator = dict(
    type='FeatureGenerator',
    generator=dict(_scope_='mmagic', type='PGGANGenerator', noise_size=512, out_scale=128),
    checkpoint='https://download.openmmlab.com/mmediting/pggan/'
    'pggan_lsun-bedroom_128x128_g8_20210408_182033-5e59f45d.pth',
    output_order='bgr')
