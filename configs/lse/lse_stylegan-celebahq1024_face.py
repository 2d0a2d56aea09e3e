# LSE on StyleGAN CelebA-HQ 1024, face parser (15 classes); the paper's full-training schedule.
#   python tools/train.py configs/lse/lse_stylegan-celebahq1024_face.py
#   python tools/test.py configs/lse/lse_stylegan-celebahq1024_face.py work_dirs/lse_stylegan-celebahq1024_face/iter_6656.pth
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic.py',
    '../_base_/schedules/paper_schedule.py', '../_base_/generators/stylegan_celebahq1024.py',
    '../_base_/teachers/lineargan_face_parser.py'
]
model = dict(
    type='SemanticExtractor',
    generator={{_base_.generator}},
    head=dict(type='LSEHead'),
    micro_batch=4)
train_dataloader = dict(batch_sampler=dict(schedule={{_base_.train_batch_schedule}}))
# tools/scs.py: latents drawn to pick the start of each sample (the face setting, as the original's FFHQ experiments)
scs_cfg = dict(n_init=100)
