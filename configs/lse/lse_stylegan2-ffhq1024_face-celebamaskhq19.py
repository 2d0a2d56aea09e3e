# LSE on StyleGAN2 FFHQ 1024 with your own 19-class CelebAMask-HQ face parser (an mmseg
# segmentor merged to the same 15 classes) in place of the LinearGAN face parser of
# lse_stylegan2-ffhq1024_face.py; the same schedule. The other face configs switch teacher
# the same way: list '../_base_/teachers/celebamask_hq_face_parser.py' as their teacher base.
#   python tools/train.py configs/lse/lse_stylegan2-ffhq1024_face-celebamaskhq19.py
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic.py',
    '../_base_/schedules/paper_schedule.py', '../_base_/generators/stylegan2_ffhq1024.py',
    '../_base_/teachers/celebamask_hq_face_parser.py'
]
model = dict(
    type='SemanticExtractor',
    generator={{_base_.generator}},
    head=dict(type='LSEHead'),
    micro_batch=4)
train_dataloader = dict(batch_sampler=dict(schedule={{_base_.train_batch_schedule}}))
# tools/scs.py: latents drawn to pick the start of each sample (as the original's FFHQ experiments)
scs_cfg = dict(n_init=100)
