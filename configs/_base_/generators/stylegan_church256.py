# StyleGAN (v1) LSUN church 256, the official weights in genforce's layout (no mmagic zoo
# checkpoint exists), on the faithful GenforceStyleGANGenerator. Get the original's
# models/pretrain/pytorch/stylegan_church_generator.pth (LinearGAN README, Google Drive) and run
#   python tools/model_converters/stylegan1_genforce_to_mmlinsem.py stylegan_church_generator.pth checkpoints/stylegan_lsun-church-256_converted.pth
# 7 layers (2496 channels); psi=0.7 on the first 8 w+ layers around the official w_avg.
generator = dict(
    type='FeatureGenerator',
    generator=dict(
        _scope_='mmlinsem', type='GenforceStyleGANGenerator', out_size=256, style_channels=512),
    checkpoint='checkpoints/stylegan_lsun-church-256_converted.pth',
    output_order='rgb',
    truncation=0.7,
    truncation_layers=8)
