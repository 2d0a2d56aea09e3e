# Bring your own PyTorch generator: an LSE on a DCGAN-style generator that is not mmagic's.
# The generator is any module registered in a registry the config reaches (here mmlinsem's
# ExampleDCGANGenerator, mmlinsem/models/generators/example_dcgan.py) with an integer
# `noise_size` and `forward(z) -> image` (RGB, about [-1, 1]). Its latent may be
# (N, noise_size, 1, 1): the wrapper reshapes the (N, noise_size) latents it draws. Your own
# module is imported with
#   custom_imports = dict(imports=['my_package.my_gan'], allow_failed_imports=False)
# and named with _scope_='mmlinsem' (registered in mmlinsem.registry.MODELS).
# It has no default layers: list module names in `layers` (tools/rank_layers.py measures
# the candidates and prints the line to paste). A z-only generator trains and is edited
# in z: latent_space='z' (no truncation, no w / w+).
# The weights here are random (checkpoint=None): the commands run, the masks mean nothing.
# Point `checkpoint` at your generator's state dict (torch.save(G.state_dict(), PATH)).
#   python tools/rank_layers.py configs/byo/lse_example-dcgan64_toyteacher.py --num 256
#   python tools/train.py configs/byo/lse_example-dcgan64_toyteacher.py
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic.py',
    '../_base_/teachers/unet_toyfaces64.py'
]
latent_dim = 100
max_iters = 2000
model = dict(
    type='SemanticExtractor',
    generator=dict(
        type='FeatureGenerator',
        generator=dict(
            _scope_='mmlinsem',
            type='ExampleDCGANGenerator',
            noise_size=latent_dim,
            out_size=64,
            base_channels=32),
        checkpoint=None,
        # the BatchNorm outputs of the four hidden blocks (4, 8, 16, 32 px): each is
        # followed by an in-place ReLU; the wrapper keeps a copy of what the norm returned
        layers=['main.1', 'main.4', 'main.7', 'main.10']),
    head=dict(type='LSEHead'),
    latent_space='z',
    micro_batch=16)
train_dataloader = dict(
    batch_sampler=dict(schedule=[(0, 4), (200, 16)]),
    dataset=dict(latent_dim=latent_dim, num_samples=20000))
val_dataloader = dict(batch_size=16, dataset=dict(latent_dim=latent_dim, num_samples=1000))
test_dataloader = val_dataloader
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-2))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.8)], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=max_iters), logger=dict(interval=50))
