"""The bottom layer: files, paths, seeds, checkpoints; imports nothing of mmlinsem above it."""
from .checkpoint_io import (HEAD_CHECKPOINT, TRAIN_CHECKPOINT, expecting, read_checkpoint,
                            save_head_checkpoint)
from .fileio import (atomic_write, label_png, reading, write_json, write_label_png, write_npy,
                     write_png)
from .misc import unwrap_model
from .paths import PACKAGE_DIR, REPO_ROOT, resolve_path
from .safe_load import UnsafeCheckpointError, safe_torch_load, trust_checkpoints
from .seeding import latent_for, noise_for, sample_seed

__all__ = [
    'HEAD_CHECKPOINT', 'TRAIN_CHECKPOINT', 'expecting', 'read_checkpoint', 'save_head_checkpoint',
    'atomic_write', 'label_png', 'reading', 'write_json', 'write_label_png', 'write_npy',
    'write_png', 'unwrap_model', 'PACKAGE_DIR', 'REPO_ROOT', 'resolve_path', 'latent_for',
    'noise_for', 'sample_seed', 'UnsafeCheckpointError', 'safe_torch_load', 'trust_checkpoints'
]
