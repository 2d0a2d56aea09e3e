# Table 1 at convergence on the shipped toy GAN: LSE, NSE-1 and NSE-2 trained side by side on
# the same generated batches (one generator + teacher pass per step for the three heads; each
# head gets exactly the gradients it would get alone), with the recipe of their single-head
# configs (Adam 1e-2, layer weights x10, batch 4 -> 16) run 8x longer, lr x0.1 at 75 % (so the
# last quarter, where the plateau is judged, is all at the final lr), validated every 2,000.
# SplitHeadsHook writes each head as a single-head checkpoint (work_dir/{lse,nse1,nse2}/
# iter_N.pth) that tools/test.py evaluates with the head's own config.
#   python tools/train.py configs/lse/lse-nse1-nse2-joint_stylegan2lite-toyfaces64.py --resume
_base_ = ['./lse_stylegan2lite-toyfaces64.py']
max_iters = 16000
val_interval = 2000
model = dict(
    type='JointExtractor',
    head_name='lse',
    extra_heads=dict(nse1=dict(type='NSE1Head'), nse2=dict(type='NSE2Head')))
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.75)], gamma=0.1)
]
val_evaluator = [
    dict(type='PaperIoUMetric', prefix='lse'),
    dict(type='PaperIoUMetric', prefix='nse1', pred_key='pred_sem_seg_nse1'),
    dict(type='PaperIoUMetric', prefix='nse2', pred_key='pred_sem_seg_nse2'),
]
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=val_interval, max_keep_ckpts=2))
custom_hooks = [dict(type='SplitHeadsHook')]
