# NSE-2 on PGGAN LSUN bedroom 128, ADE20K teacher (14 classes); same data, teacher and schedule as the LSE job.
_base_ = ['../lse/lse_pggan-bedroom128_ade.py']
model = dict(head=dict(_delete_=True, type='NSE2Head'))
# tools/scs.py: latents drawn to pick the start of each sample (as the original's bedroom experiments)
scs_cfg = dict(n_init=10)
