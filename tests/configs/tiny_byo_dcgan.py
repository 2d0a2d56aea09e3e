# The tiny job with a z-only, non-mmagic generator: a 16 px ExampleDCGANGenerator (random
# weights, BatchNorm + in-place ReLU blocks) hooked at its norms, and the tiny teacher.
_base_ = ['./tiny_base.py']
latent_dim = 8
model = dict(
    generator=dict(
        _delete_=True,
        type='FeatureGenerator',
        generator=dict(
            _scope_='mmlinsem',
            type='ExampleDCGANGenerator',
            noise_size=latent_dim,
            out_size=16,
            base_channels=4),
        layers=['main.1', 'main.4']),
    latent_space='z')
train_dataloader = dict(dataset=dict(latent_dim=latent_dim))
val_dataloader = dict(dataset=dict(latent_dim=latent_dim))
test_dataloader = val_dataloader
