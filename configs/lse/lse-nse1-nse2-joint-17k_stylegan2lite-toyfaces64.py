# The plateau check of Table 1: the converged joint run (16,000 iterations, lr x0.1 at 12,000)
# continued to 17,000 iterations at the final lr, validated every 1,000. The first 16,000
# iterations are that run's schedule unchanged; the last 25 % (12,750-17,000: validations at
# 13k ... 17k), where the plateau is judged, lies wholly after the lr drop.
#   python tools/train.py configs/lse/lse-nse1-nse2-joint-17k_stylegan2lite-toyfaces64.py --resume
_base_ = ['./lse-nse1-nse2-joint_stylegan2lite-toyfaces64.py']
max_iters = 17000
train_cfg = dict(max_iters=max_iters, val_interval=1000)
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[12000], gamma=0.1)]
