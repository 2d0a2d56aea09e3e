# NSE-1 on PGGAN CelebA-HQ 1024, face parser (15 classes); same data, teacher and schedule as the LSE job.
_base_ = ['../lse/lse_pggan-celebahq1024_face.py']
model = dict(head=dict(_delete_=True, type='NSE1Head'))
# tools/scs.py: latents drawn to pick the start of each sample (the face setting, as the original's FFHQ experiments)
scs_cfg = dict(n_init=100)
