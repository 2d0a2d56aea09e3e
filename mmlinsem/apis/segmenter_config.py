"""The ready mmseg config written beside a synthetic dataset export: a standard segmenter
(the toy teacher's UNet + FCN) trained on ``OUT/{img_dir,ann_dir}/train`` as a
``BaseSegDataset`` with the export's classes and palette."""
import os.path as osp
from typing import Sequence

from mmengine.config import Config

from mmlinsem.compat import atomic_write

CONFIG_NAME = 'seg_config.py'


def write_seg_config(out: str,
                     classes: Sequence[str],
                     palette,
                     size,
                     max_iters: int = 4000,
                     batch_size: int = 16,
                     base_channels: int = 16) -> str:
    """Write ``OUT/seg_config.py``: a standard mmseg UNet + FCN segmenter (the toy
    teacher's architecture) on the export, as ``BaseSegDataset`` with its classes and
    palette, evaluated by ``IoUMetric`` on the export's val split.

    Train it with ``python tools/train.py OUT/seg_config.py`` (or mmseg's own tool);
    point ``test_dataloader`` at real labelled images to judge it.

    Args:
        out (str): the export folder (stored as an absolute ``data_root``).
        classes (list[str]): class names, background included.
        palette (list): RGB colours of the classes.
        size (tuple): (H, W) of the images.
        max_iters (int): training iterations (AdamW, warm-up then poly decay).
        batch_size (int): training batch size.
        base_channels (int): the UNet's width.

    Returns:
        str: the config's path.
    """
    c = base_channels
    norm_cfg = dict(type='BN', requires_grad=True)
    data_root = osp.abspath(out)
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs')
    ]

    def dataset(split):
        return dict(
            type='BaseSegDataset',
            data_root=data_root,
            data_prefix=dict(img_path=f'img_dir/{split}', seg_map_path=f'ann_dir/{split}'),
            img_suffix='.png',
            seg_map_suffix='.png',
            reduce_zero_label=False,
            metainfo=dict(classes=list(classes), palette=[list(p) for p in palette]),
            pipeline=pipeline)

    cfg = dict(
        default_scope='mmseg',
        custom_imports=dict(
            imports=['mmseg.datasets', 'mmseg.models', 'mmseg.evaluation', 'mmseg.engine'],
            allow_failed_imports=False),
        env_cfg=dict(
            cudnn_benchmark=False,
            mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
            dist_cfg=dict(backend='nccl')),
        log_processor=dict(by_epoch=False),
        log_level='INFO',
        load_from=None,
        resume=False,
        randomness=dict(seed=0),
        model=dict(
            type='EncoderDecoder',
            data_preprocessor=dict(
                type='SegDataPreProcessor',
                mean=[127.5, 127.5, 127.5],
                std=[127.5, 127.5, 127.5],
                bgr_to_rgb=True,
                pad_val=0,
                seg_pad_val=255,
                size=tuple(int(s) for s in size)),
            backbone=dict(
                type='UNet',
                in_channels=3,
                base_channels=c,
                num_stages=4,
                strides=(1, 1, 1, 1),
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
                in_channels=c,
                in_index=3,
                channels=c,
                num_convs=1,
                concat_input=False,
                dropout_ratio=0.0,
                num_classes=len(classes),
                norm_cfg=norm_cfg,
                align_corners=False,
                loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
            train_cfg=dict(),
            test_cfg=dict(mode='whole')),
        train_dataloader=dict(
            batch_size=batch_size,
            num_workers=2,
            persistent_workers=True,
            sampler=dict(type='InfiniteSampler', shuffle=True),
            dataset=dataset('train')),
        val_dataloader=dict(
            batch_size=batch_size,
            num_workers=2,
            persistent_workers=True,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dataset('val')),
        val_evaluator=dict(type='IoUMetric', iou_metrics=['mIoU']),
        optim_wrapper=dict(
            type='OptimWrapper',
            optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
            dict(type='PolyLR', eta_min=1e-5, power=1.0, by_epoch=False, begin=100, end=max_iters),
        ],
        train_cfg=dict(
            type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max(1, max_iters)),
        val_cfg=dict(type='ValLoop'),
        test_cfg=dict(type='TestLoop'),
        default_hooks=dict(
            timer=dict(type='IterTimerHook'),
            logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
            param_scheduler=dict(type='ParamSchedulerHook'),
            checkpoint=dict(
                type='CheckpointHook', by_epoch=False, interval=max(1, max_iters),
                max_keep_ckpts=1),
            sampler_seed=dict(type='DistSamplerSeedHook')),
    )
    cfg['test_dataloader'] = cfg['val_dataloader']
    cfg['test_evaluator'] = cfg['val_evaluator']
    path = osp.join(out, CONFIG_NAME)
    text = ('# Written by mmlinsem.apis.write_seg_config: a standard mmseg segmenter on the\n'
            '# exported synthetic dataset. python tools/train.py THIS_FILE --work-dir DIR\n' +
            Config(cfg).pretty_text)
    atomic_write(path, text.encode())
    return path
