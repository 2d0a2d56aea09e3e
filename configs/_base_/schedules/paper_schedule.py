# The paper's full-training schedule (LinearGAN train.py), in iterations.
# 50 "epochs" x 1,024 fresh samples; effective batch 1 for epochs 0-1, 4 for 2-17,
# 64 from 18 on (gradient accumulation in the original; here the batch itself grows and
# SemanticExtractor.micro_batch bounds memory). Adam 1e-3 (layer weights x10),
# lr x0.1 at epoch 20.
#   iterations: 2 x 1024 / 1 = 2048, 16 x 1024 / 4 = 4096, 32 x 1024 / 64 = 512
samples_per_epoch = 1024
max_iters = 2048 + 4096 + 512
lr_drop_iter = 2048 + 4096 + 2 * 1024 // 64  # start of epoch 20
train_batch_schedule = [(0, 1), (2048, 4), (6144, 64)]

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3),
    paramwise_cfg=dict(custom_keys={'layer_weight': dict(lr_mult=10.0)}))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[lr_drop_iter], gamma=0.1)]
