_base_ = ['./tiny_base.py']
model = dict(generator=dict(noise='random'), head=dict(layer_weighting='none'))
train_dataloader = dict(
    sampler=dict(type='InfiniteSampler', shuffle=True),
    batch_sampler=dict(schedule=[(0, 2)]),
    dataset=dict(
        _delete_=True,
        type='AnnotatedLatentDataset',
        data_root='UNSET',
        num_samples=2,
        latent_space='w+',
        metainfo=dict(classes=('background', 'a', 'b', 'c'))))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=4, val_interval=4)
