# Teacher-labelled synthetic data: latents drawn from (seed, index); labels on the model side.
latent_dim = 512
train_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=False),
    batch_sampler=dict(type='StagedBatchSampler', schedule=[(0, 1)]),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='LatentSeedDataset', num_samples=51200, latent_dim=latent_dim, seed=0))
# The paper evaluates on 10,000 samples.
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='LatentSeedDataset', num_samples=10000, latent_dim=latent_dim, seed=20210601))
test_dataloader = val_dataloader
val_evaluator = dict(type='PaperIoUMetric')
test_evaluator = val_evaluator
