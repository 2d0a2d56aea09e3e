# NSE-1 on StyleGAN LSUN church 256, ADE20K teacher (11 classes); same data, teacher and schedule as the LSE job.
_base_ = ['../lse/lse_stylegan-church256_ade.py']
model = dict(head=dict(_delete_=True, type='NSE1Head'))
# tools/scs.py: latents drawn to pick the start of each sample (as the original's church experiments)
scs_cfg = dict(n_init=100)
