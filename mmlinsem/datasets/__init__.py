from .annotated_latent_dataset import AnnotatedLatentDataset
from .latent_seed_dataset import LatentSeedDataset, latent_for, sample_seed
from .staged_batch_sampler import StagedBatchSampler

__all__ = ['LatentSeedDataset', 'AnnotatedLatentDataset', 'StagedBatchSampler',
           'latent_for', 'sample_seed']
