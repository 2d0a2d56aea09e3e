"""Reading a job config: the one place a config file becomes an mmengine ``Config``.

A missing file, or one mmengine cannot parse (a syntax error, lazy-import syntax mixed with
``_base_``, a broken ``_base_``), is one :class:`MMLinsemError` line. ``trust_checkpoint =
True`` in the config turns on the safe loader's opt-in (:mod:`mmlinsem.utils.safe_load`).
A teacher-less extractor without ``classes`` takes its training dataset's class names.
"""
import os.path as osp

from mmlinsem.errors import MMLinsemError
from .config_errors import remember_config
from .paths import resolve_path
from .safe_load import trust_checkpoints


def load_config(config, cfg_options=None):
    """``Config.fromfile(config)`` (a path; a ``Config`` is used as it is) with
    ``cfg_options`` merged; remembered to explain wrong keys later."""
    from mmengine.config import Config

    if isinstance(config, str):
        path = resolve_path(config)
        if not osp.isfile(path):
            raise MMLinsemError(f'config file not found: {path}')
        try:
            config = Config.fromfile(path)
        except Exception as err:  # noqa: BLE001 - syntax, lazy-import style, bad _base_ ...
            reason = (str(err).strip().splitlines() or [''])[0].split('. ')[0][:200]
            raise MMLinsemError(
                f'cannot parse config {path}: {type(err).__name__}: {reason}; expected an '
                'mmengine config (plain Python with _base_ = [...]; a top-level import makes '
                'mmengine read it as a lazy-import config)') from None
    if cfg_options:
        config.merge_from_dict(cfg_options)
    if config.get('trust_checkpoint', False):
        trust_checkpoints(True)
    classes_from_dataset(config)
    remember_config(config)
    return config


def classes_from_dataset(cfg) -> None:
    """Give a ``SemanticExtractor`` with neither a teacher nor ``classes`` the class names
    of its training dataset's ``metainfo`` (its head's ``num_classes`` follows them)."""
    model = cfg.get('model')
    if not isinstance(model, dict) or model.get('type') != 'SemanticExtractor' or \
            model.get('teacher') or model.get('classes'):
        return
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    classes = (dataset.get('metainfo') or {}).get('classes') if isinstance(dataset, dict) else None
    if classes:
        model['classes'] = list(classes)
