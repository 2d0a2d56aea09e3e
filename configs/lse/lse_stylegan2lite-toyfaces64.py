# LSE on the shipped toy-world StyleGAN2 with the shipped toy teacher: the README's main
# job. A short version of the paper's recipe (Adam, layer weights x10, growing batch, lr x0.1
# late) sized for < 10 min on 2 CPU cores; evaluation on 1,000 samples. lr 1e-2 instead of
# the paper's 1e-3: this small GAN's features are smaller, and at 1e-3 the small classes
# (eyes, brows, mouths, noses) were still at 0 IoU after 600 steps.
#   python tools/train.py configs/lse/lse_stylegan2lite-toyfaces64.py
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic.py',
    '../_base_/generators/stylegan2lite_toyfaces64.py', '../_base_/teachers/unet_toyfaces64.py'
]
latent_dim = 128
max_iters = 2000
model = dict(
    type='SemanticExtractor',
    generator={{_base_.generator}},
    head=dict(type='LSEHead'),
    micro_batch=16)
train_dataloader = dict(
    batch_sampler=dict(schedule=[(0, 4), (200, 16)]),
    dataset=dict(latent_dim=latent_dim, num_samples=20000))
val_dataloader = dict(batch_size=16, dataset=dict(latent_dim=latent_dim, num_samples=1000))
test_dataloader = val_dataloader
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-2),
    paramwise_cfg=dict(custom_keys={'layer_weight': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.8)], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=max_iters), logger=dict(interval=50))
