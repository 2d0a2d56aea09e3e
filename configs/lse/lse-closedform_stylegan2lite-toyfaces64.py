# Closed-form LSE on the toy GAN: ridge regression on 256 images x 256 class-balanced pixels,
# then 100 L-BFGS iterations on the (importance-weighted) pixel cross-entropy of the same
# pixels -- no SGD. The train loop only saves the head (1 iteration at lr 0).
# Compare with the SGD job lse_stylegan2lite-toyfaces64.py: benchmarks/closed_form_vs_sgd.py.
_base_ = ['./lse_stylegan2lite-toyfaces64.py']
max_iters = 1
custom_hooks = [dict(type='ClosedFormLSEHook', num_images=256, pixels_per_image=256, ce_steps=100)]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = []
default_hooks = dict(checkpoint=dict(interval=max_iters), nan_guard=dict(allow_zero_lr=True))
optim_wrapper = dict(optimizer=dict(lr=0.0))
