# NSE2Head on the shipped toy-world StyleGAN2 with the shipped toy teacher; the same data,
# teacher and schedule as the main LSE job (configs/lse/lse_stylegan2lite-toyfaces64.py).
#   python tools/train.py configs/nse2/nse2_stylegan2lite-toyfaces64.py
_base_ = ['../lse/lse_stylegan2lite-toyfaces64.py']
model = dict(head=dict(_delete_=True, type='NSE2Head'))
