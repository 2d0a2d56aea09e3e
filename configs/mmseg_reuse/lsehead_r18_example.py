# LSEHead reused in a plain mmseg segmentor: ResNet-18 (mmseg ResNetV1c) + LSEHead over
# its four stages, trained on any mmseg-format dataset. This is how other mmseg projects
# use mmlinsem's heads: mmseg scope, `custom_imports`, and the head named
# 'mmlinsem.LSEHead' (a cross-scope name).
#   python tools/train.py configs/mmseg_reuse/lsehead_r18_example.py \
#       --cfg-options train_dataloader.dataset.data_root=DATA val_dataloader.dataset.data_root=DATA
# (DATA holds img_dir/{train,val}/*.png and ann_dir/{train,val}/*.png; classes below.)
default_scope = 'mmseg'
custom_imports = dict(
    imports=['mmlinsem', 'mmseg.datasets', 'mmseg.evaluation'], allow_failed_imports=False)
classes = ('background', 'a', 'b')
crop_size = (64, 64)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=crop_size),
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=dict(type='BN'),
        init_cfg=None),  # set a Pretrained init_cfg for ImageNet weights
    decode_head=dict(
        type='mmlinsem.LSEHead', in_channels=[64, 128, 256, 512], num_classes=len(classes)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
dataset = dict(
    type='BaseSegDataset',
    data_root='data/my_dataset',
    metainfo=dict(classes=classes),
    img_suffix='.png',
    seg_map_suffix='.png',
    pipeline=pipeline)
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(dataset, data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train')))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val')))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500),
    sampler_seed=dict(type='DistSamplerSeedHook'))
log_processor = dict(by_epoch=False)
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='nccl'))
randomness = dict(seed=0)
