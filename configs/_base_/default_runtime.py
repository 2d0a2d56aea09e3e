# Runtime shared by every mmlinsem job.
default_scope = 'mmlinsem'
custom_imports = dict(imports=['mmlinsem'], allow_failed_imports=False)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # tools/ switch to gloo when no GPU is present
)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1000, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_meta=dict(type='SyncMetaHook'),
    overlay=dict(type='OverlayHook', num_samples=8),
    # NaN / inf loss or weights stop the run before a checkpoint of them is written
    nan_guard=dict(type='NanGuardHook'),
)
log_processor = dict(by_epoch=False)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends, name='visualizer')
log_level = 'INFO'
load_from = None
resume = False
# One seed for every rank: synthetic samples are a function of (dataset seed, index).
randomness = dict(seed=0, diff_rank_seed=False)
# DDP: wrap only the trainable head (generator and teacher are frozen).
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel', broadcast_buffers=False, find_unused_parameters=False)
