# LSE on PGGAN LSUN church 256, ADE20K teacher (7 classes); the paper's full-training schedule.
#   python tools/train.py configs/lse/lse_pggan-church256_ade.py
#   python tools/test.py configs/lse/lse_pggan-church256_ade.py work_dirs/lse_pggan-church256_ade/iter_6656.pth
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic.py',
    '../_base_/schedules/paper_schedule.py', '../_base_/generators/pggan_church256.py',
    '../_base_/teachers/ade20k_resnest101_deeplabv3.py'
]
model = dict(
    type='SemanticExtractor',
    generator={{_base_.generator}},
    teacher=dict(label_map=dict(preset='pggan_church')),
    head=dict(type='LSEHead'),
    micro_batch=8)
train_dataloader = dict(batch_sampler=dict(schedule={{_base_.train_batch_schedule}}))
# tools/scs.py: latents drawn to pick the start of each sample (as the original's church experiments)
scs_cfg = dict(n_init=100)
