# LSE with the per-layer auxiliary losses (x0.1, the paper's layer-wise setting) on the toy
# GAN; analyse it with tools/analysis/layerwise.py.
_base_ = ['./lse_stylegan2lite-toyfaces64.py']
model = dict(head=dict(aux_loss_weight=0.1))
