from .annotated_latent_dataset import AnnotatedLatentDataset
from .annotation_store import AnnotationStore, safe_name
from .latent_seed_dataset import LatentSeedDataset
from .staged_batch_sampler import StagedBatchSampler
from .toy_face_dataset import ToyFaceDataset
from .toy_faces import TOY_FACE_CLASSES, TOY_FACE_PALETTE, class_histogram, render_toy_face

__all__ = [
    'LatentSeedDataset', 'AnnotatedLatentDataset', 'StagedBatchSampler', 'ToyFaceDataset',
    'TOY_FACE_CLASSES', 'TOY_FACE_PALETTE', 'render_toy_face', 'class_histogram', 'AnnotationStore',
    'safe_name'
]
