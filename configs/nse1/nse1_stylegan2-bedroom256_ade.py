# NSE-1 on StyleGAN2 LSUN bedroom 256, ADE20K teacher (17 classes); same data, teacher and schedule as the LSE job.
_base_ = ['../lse/lse_stylegan2-bedroom256_ade.py']
model = dict(head=dict(_delete_=True, type='NSE1Head'))
# tools/scs.py: latents drawn to pick the start of each sample (as the original's bedroom experiments)
scs_cfg = dict(n_init=10)
