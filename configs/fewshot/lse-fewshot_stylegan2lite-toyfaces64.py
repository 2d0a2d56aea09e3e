# Few-shot LSE on the toy-world GAN (paper Table 2 setting): N samples labelled once (by the
# teacher via tools/make_fewshot_set.py, or by you: same files), plain-sum LSE, noise
# resampled every iteration, Adam 1e-2 (the main toy job's rate; the paper's 1e-3 is too slow
# for this small GAN), every step on all N samples, 50 x 128 samples in
# total, lr x0.1 at 40 % (epoch 20 of 50); evaluated against the teacher on 1,000 samples.
# Run all N x repeats and print the table:
#   python tools/fewshot.py configs/fewshot/lse-fewshot_stylegan2lite-toyfaces64.py \
#       --shots 1,4,8,16 --repeats 5 --work-dir work_dirs/fewshot_toyfaces
_base_ = ['../lse/lse_stylegan2lite-toyfaces64.py']
shots = 8
max_iters = 50 * 128 // shots
model = dict(generator=dict(noise='random'), head=dict(layer_weighting='none'))
train_dataloader = dict(
    sampler=dict(type='InfiniteSampler', shuffle=True),
    batch_sampler=dict(schedule=[(0, shots)]),
    dataset=dict(
        _delete_=True,
        type='AnnotatedLatentDataset',
        data_root='data/fewshot/toyfaces_n8_r0',
        num_samples=shots,
        latent_space='w+',
        metainfo=dict(
            classes=('background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose', 'cloth'))))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.4)], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
