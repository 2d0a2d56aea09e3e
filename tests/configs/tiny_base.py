# Tiny, fast job for the CPU test suite: a random 16 px StyleGAN2 (mmagic modules) and a
# random tiny mmseg UNet teacher with 4 classes.
_base_ = ['../../configs/_base_/default_runtime.py', '../../configs/_base_/datasets/synthetic.py']
latent_dim = 16
classes = ['background', 'a', 'b', 'c']
model = dict(
    type='SemanticExtractor',
    generator=dict(
        generator=dict(
            _scope_='mmagic',
            type='StyleGAN2LiteGenerator',
            out_size=16,
            style_channels=latent_dim,
            num_mlps=2,
            channels={
                4: 16,
                8: 16,
                16: 8
            }),
        truncation=0.7,
        mean_latent_samples=256),
    teacher=dict(
        type='SegmentorTeacher',
        classes=classes,
        segmentor=dict(
            type='EncoderDecoder',
            backbone=dict(
                type='UNet',
                in_channels=3,
                base_channels=4,
                num_stages=2,
                strides=(1, 1),
                enc_num_convs=(1, 1),
                dec_num_convs=(1, ),
                downsamples=(True, ),
                enc_dilations=(1, 1),
                dec_dilations=(1, ),
                norm_cfg=dict(type='BN'),
                upsample_cfg=dict(type='InterpConv')),
            decode_head=dict(
                type='FCNHead',
                in_channels=4,
                in_index=1,
                channels=4,
                num_convs=1,
                concat_input=False,
                num_classes=len(classes),
                norm_cfg=dict(type='BN'),
                align_corners=False),
            test_cfg=dict(mode='whole'))),
    head=dict(type='LSEHead'))
train_dataloader = dict(
    batch_sampler=dict(schedule=[(0, 2), (2, 4)]),
    dataset=dict(latent_dim=latent_dim, num_samples=64))
val_dataloader = dict(batch_size=4, dataset=dict(latent_dim=latent_dim, num_samples=8))
test_dataloader = val_dataloader
train_cfg = dict(type='IterBasedTrainLoop', max_iters=6, val_interval=6)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-2))
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=3))
