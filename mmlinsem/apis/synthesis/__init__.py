"""Synthesis: images that follow a semantic layout (SCS) and labelled datasets generated
with a head or an ensemble of heads, with the segmenter config that trains on them."""
from mmlinsem.apis.latent_optim import check_target
from .dataset_export import export_dataset
from .export_finalize import finalize_export
from .export_layout import parse_shard, read_meta
from .head_ensemble import bootstrap_lse_ensemble, ensemble_predict, load_head
from .scs import evaluate_scs, semantic_conditional_sample
from .segmenter_config import seg_config_for, write_seg_config

__all__ = [
    'check_target', 'export_dataset', 'finalize_export', 'parse_shard', 'read_meta',
    'bootstrap_lse_ensemble', 'ensemble_predict', 'load_head', 'evaluate_scs',
    'semantic_conditional_sample', 'seg_config_for', 'write_seg_config'
]
