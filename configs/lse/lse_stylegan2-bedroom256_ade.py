# LSE on StyleGAN2 LSUN bedroom 256, ADE20K teacher (17 classes); the paper's full-training schedule.
#   python tools/train.py configs/lse/lse_stylegan2-bedroom256_ade.py
#   python tools/test.py configs/lse/lse_stylegan2-bedroom256_ade.py work_dirs/lse_stylegan2-bedroom256_ade/iter_6656.pth
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic.py',
    '../_base_/schedules/paper_schedule.py', '../_base_/generators/stylegan2_bedroom256.py',
    '../_base_/teachers/ade20k_resnest101_deeplabv3.py'
]
model = dict(
    type='SemanticExtractor',
    generator={{_base_.generator}},
    teacher=dict(label_map=dict(preset='stylegan2_bedroom')),
    head=dict(type='LSEHead'),
    micro_batch=8)
train_dataloader = dict(batch_sampler=dict(schedule={{_base_.train_batch_schedule}}))
# tools/scs.py: latents drawn to pick the start of each sample (as the original's bedroom experiments)
scs_cfg = dict(n_init=10)
