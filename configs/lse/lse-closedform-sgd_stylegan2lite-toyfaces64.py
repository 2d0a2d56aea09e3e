# The main job (tools/run_default.sh): the toy LSE fitted in closed form, then refined by SGD.
# Ridge regression on 256 images x 256 class-balanced pixels and 100 L-BFGS steps on their
# pixel cross-entropy (ClosedFormLSEHook, before the first iteration), then 1,000 Adam steps
# at batch 16 with a cosine-decaying lr from 1e-3. Converges within the main job's 10-minute
# budget on 2 CPU cores; the paper's SGD-only recipe stays in lse_stylegan2lite-toyfaces64.py.
#   python tools/train.py configs/lse/lse-closedform-sgd_stylegan2lite-toyfaces64.py
_base_ = ['./lse_stylegan2lite-toyfaces64.py']
max_iters = 1000
custom_hooks = [dict(type='ClosedFormLSEHook', num_images=256, pixels_per_image=256, ce_steps=100)]
train_dataloader = dict(batch_sampler=dict(schedule=[(0, 16)]))
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters, T_max=max_iters)
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
