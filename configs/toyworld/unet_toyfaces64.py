# Teacher segmentor of the toy-face world: a small mmseg UNet + FCN head, trained on the
# procedural toy faces (ground-truth masks), later used as the teacher of the GAN.
#
#   python tools/make_toy_dataset.py --out data/toyfaces --num-train 10000 --num-val 1000 \
#       --size 64 --seed 0
#   python tools/train.py configs/toyworld/unet_toyfaces64.py \
#       --work-dir work_dirs/unet_toyfaces64
#
# Target: >= 90% mIoU on val; budget <= 25 min on 2 CPU cores for the 4000 iterations.
# Measured (loaded 2-core machine, 1 thread, 2000 train images, constant lr): val mIoU
# 43 / 51 / 71 / 87 at 300 / 600 / 900 / 1200 iterations; ~0.47 CPU-s per iteration
# (~0.25 s on 2 free cores: ~17 min for 4000 iterations + validation).
_base_ = ['../_base_/default_runtime.py']
# Import the dataset module explicitly so the config works whatever mmlinsem.datasets
# exports; mmseg.evaluation registers IoUMetric (a child registry's lookup does not
# import its parent's modules, so nothing else would).
custom_imports = dict(
    imports=[
        'mmlinsem', 'mmlinsem.datasets.toy_face_dataset', 'mmseg.datasets', 'mmseg.models',
        'mmseg.evaluation'
    ],
    allow_failed_imports=False)

classes = ('background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose', 'cloth')
num_classes = len(classes)
crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)

# Images are RGB PNGs; LoadImageFromFile gives BGR -> bgr_to_rgb; (x - 127.5) / 127.5
# puts the input in [-1, 1] RGB, the range of the GAN's images.
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='UNet',
        in_channels=3,
        base_channels=16,
        num_stages=4,
        strides=(1, 1, 1, 1),
        # One conv per block (mmseg's default is two): ~90 MMACs per 64 px image instead
        # of ~155, which is what fits the 2-core CPU budget (measured ~0.23 vs ~0.54
        # CPU-s per iteration of 16 images).
        enc_num_convs=(1, 1, 1, 1),
        dec_num_convs=(1, 1, 1),
        downsamples=(True, True, True),
        enc_dilations=(1, 1, 1, 1),
        dec_dilations=(1, 1, 1),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU'),
        upsample_cfg=dict(type='InterpConv'),
        norm_eval=False),
    decode_head=dict(
        type='FCNHead',
        in_channels=16,
        in_index=3,  # the full-resolution decoder output
        channels=16,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.0,
        num_classes=num_classes,
        norm_cfg=norm_cfg,
        align_corners=False,
        # Eyes, brows, mouth and nose are 0.6-1.3% of the pixels each: weighting them up
        # makes them appear after a few hundred iterations instead of staying at 0 IoU.
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            class_weight=[0.5, 1.0, 1.0, 3.0, 4.0, 3.0, 4.0, 1.0])),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

dataset_type = 'ToyFaceDataset'
data_root = 'data/toyfaces'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

# Schedule: 4000 iterations of batch 16, AdamW, short warm-up then poly decay.
max_iters = 4000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='PolyLR', eta_min=1e-5, power=1.0, by_epoch=False, begin=100, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=1000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# The runtime's sync_meta / overlay hooks belong to the GAN extractor: off here. mmengine
# 0.10.7 accepts `name=None` only for its own default hooks (an extra key set to None
# fails an assert in Runner.register_default_hooks), so the hook dict is replaced whole.
default_hooks = dict(
    _delete_=True,
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=1000,
        max_keep_ckpts=2,
        save_best='mIoU',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'))
# A plain segmentor: mmengine's default DDP wrapper, not the extractor's.
model_wrapper_cfg = None
