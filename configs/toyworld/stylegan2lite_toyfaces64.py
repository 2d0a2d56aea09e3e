# Small unconditional StyleGAN2 (mapping network, w / w+ latents) on the 64x64 toy faces,
# trained with mmagic's GAN machinery (StyleGAN2 model, lazy R1 + path-length
# regularisation, generator EMA, MultiOptimWrapperConstructor), sized for a 2-core CPU.
#
# Train (background, ~2.3-2.7 h; OMP_NUM_THREADS=1, see the timing note below):
#   OMP_NUM_THREADS=1 python tools/train.py configs/toyworld/stylegan2lite_toyfaces64.py \
#       --work-dir work_dirs/stylegan2lite_toyfaces64
# Continue an interrupted run (or a longer one: add --cfg-options train_cfg.max_iters=N)
# from the latest checkpoint in the work dir:
#   OMP_NUM_THREADS=1 python tools/train.py configs/toyworld/stylegan2lite_toyfaces64.py \
#       --work-dir work_dirs/stylegan2lite_toyfaces64 --resume
# Other data: --cfg-options train_dataloader.dataset.data_root=DIR (images in DIR/img_dir/train;
# overriding the `data_root` variable alone does not reach the dataloader).
#
# Measured on the 2-core dev machine (batch 16, this config, 400 iterations) while an mmcv
# compile job and other test runs competed for the CPU (load average 3.5-5):
#   OMP_NUM_THREADS=1: 1.15-1.40 s/iter (about 1.05 s of CPU per iteration)
#   2 torch threads (default): 6-11 s/iter -- OpenMP threads spin and thrash when the cores
#   are oversubscribed; only on an otherwise idle machine may 2 threads be faster (untested).
# max_iters = 7500 (120 kimg) -> about 2.3-2.7 h at those rates; checkpoints every 500 iters.
#
# Colour order: the data preprocessor converts the (BGR-loaded) real images to RGB before
# the discriminator sees them, so the trained generator (and its EMA copy, the
# `generator_ema.module.*` weights that mmlinsem.FeatureGenerator loads) emits RGB in
# [-1, 1] -> use it with FeatureGenerator(output_order='rgb') (the default).
# mmagic's VisualizationHook assumes BGR generator outputs, so the sample grids it writes
# (work_dir/<timestamp>/vis_data/vis_image/fake_img_<iter>.png) show red and blue swapped.
_base_ = ['mmagic::_base_/gen_default_runtime.py']

custom_imports = dict(imports=['mmlinsem'], allow_failed_imports=False)
default_scope = 'mmagic'

# ----------------------------------------------------------------------------- data
data_root = 'data/toyfaces'
img_prefix = 'img_dir/train'
out_size = 64
batch_size = 16

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt'),  # cv2 -> BGR uint8 (mmagic default)
    dict(type='Resize', keys='gt', scale=(out_size, out_size)),  # no-op for 64x64 data
    dict(type='Flip', keys=['gt'], direction='horizontal'),
    dict(type='PackInputs', keys='gt'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='BasicImageDataset',
        data_root=data_root,
        data_prefix=dict(gt=img_prefix),
        pipeline=train_pipeline))

# No evaluation: FID / IS need Inception weights (offline here) and cost CPU time.
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None

# ---------------------------------------------------------------------------- model
style_channels = 128
generator = dict(
    type='StyleGAN2LiteGenerator',
    out_size=out_size,
    style_channels=style_channels,
    num_mlps=4,
    channels={
        4: 128,
        8: 128,
        16: 64,
        32: 32,
        64: 16
    },
    default_style_mode='mix',  # style mixing while training (eval: single)
)
discriminator = dict(
    type='StyleGAN2LiteDiscriminator',
    in_size=out_size,
    channels={
        64: 16,
        32: 32,
        16: 64,
        8: 128,
        4: 128
    },
)

# Lazy regularisation as in mmagic's stylegan2 configs: R1 every 16 D steps, path length
# every 4 G steps, with Adam lr / betas rescaled by the interval ratio.
d_reg_interval = 16
g_reg_interval = 4
g_reg_ratio = g_reg_interval / (g_reg_interval + 1)
d_reg_ratio = d_reg_interval / (d_reg_interval + 1)
# R1 gamma from the StyleGAN2-ADA heuristic 0.0002 * res^2 / batch (0.05 at 64 px, batch 16).
r1_gamma = 0.0002 * out_size**2 / batch_size
lr = 0.0025

model = dict(
    type='StyleGAN2',
    # mean/std 127.5 -> [-1, 1]; BGR-loaded images are converted to RGB for the model.
    data_preprocessor=dict(type='DataPreprocessor', output_channel_order='RGB'),
    generator=generator,
    discriminator=discriminator,
    # StyleGAN2-ADA EMA: half-life batch * 10 / 32 kimg, ramped up over the first steps
    # (plain ExponentialMovingAverage with a 10 kimg half-life lags far behind in a short run).
    ema_config=dict(
        type='RampUpEMA',
        interval=1,
        ema_kimg=batch_size * 10 / 32,
        ema_rampup=0.05,
        batch_size=batch_size),
    loss_config=dict(
        r1_loss_weight=r1_gamma / 2. * d_reg_interval,
        r1_interval=d_reg_interval,
        norm_mode='HWC',
        g_reg_interval=g_reg_interval,
        g_reg_weight=2. * g_reg_interval,
        pl_batch_shrink=2))

optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=lr * g_reg_ratio, betas=(0., 0.99**g_reg_ratio))),
    discriminator=dict(
        optimizer=dict(type='Adam', lr=lr * d_reg_ratio, betas=(0., 0.99**d_reg_ratio))))

# ------------------------------------------------------------------------- schedule
max_iters = 7500
ckpt_interval = 500
train_cfg = dict(by_epoch=False, max_iters=max_iters)

# ---------------------------------------------------------------------------- hooks
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=ckpt_interval,
        max_keep_ckpts=3,
        save_optimizer=True,
        save_last=True))
# Sample grid (64 samples, fixed z, EMA generator) every 750 iterations; offline-safe.
custom_hooks = [
    dict(
        type='VisualizationHook',
        interval=750,
        fixed_input=True,
        n_samples=64,
        vis_kwargs_list=dict(type='GAN', name='fake_img')),
]

randomness = dict(seed=2022, diff_rank_seed=True)
