# StyleGAN (v1) CelebA-HQ 1024, the paper's face StyleGAN: official weights in genforce's
# layout (no mmagic zoo checkpoint; stylegan_ffhq1024.py uses the zoo's FFHQ one), on the
# faithful GenforceStyleGANGenerator. Get the original's
# models/pretrain/pytorch/stylegan_celebahq_generator.pth (LinearGAN README, Google Drive) and run
#   python tools/model_converters/stylegan1_genforce_to_mmlinsem.py stylegan_celebahq_generator.pth checkpoints/stylegan_celeba-hq-1024_converted.pth
# 9 layers (2544 channels); psi=0.7 on the first 8 w+ layers around the official w_avg.
generator = dict(
    type='FeatureGenerator',
    generator=dict(
        _scope_='mmlinsem', type='GenforceStyleGANGenerator', out_size=1024, style_channels=512),
    checkpoint='checkpoints/stylegan_celeba-hq-1024_converted.pth',
    output_order='rgb',
    truncation=0.7,
    truncation_layers=8)
