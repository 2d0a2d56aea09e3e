# Closed-form LSE on the toy GAN: ridge regression on 256 images x 1,024 pixels before
# training, then a short cross-entropy refinement (compare with the SGD job
# lse_stylegan2lite-toyfaces64.py in benchmarks).
_base_ = ['./lse_stylegan2lite-toyfaces64.py']
max_iters = 100
custom_hooks = [dict(type='ClosedFormLSEHook', num_images=256, pixels_per_image=1024)]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.8)], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
# a gentle refinement: the closed-form solution is already close
optim_wrapper = dict(optimizer=dict(lr=1e-3))
