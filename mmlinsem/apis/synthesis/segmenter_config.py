"""The ready mmseg config written beside a synthetic dataset export: a standard segmenter
trained on ``OUT/{img_dir,ann_dir}/train`` as a ``BaseSegDataset`` with the export's
classes and palette.

The recipe (model, optimiser, schedule, hooks) is read from one segmenter config, by
default the toy teacher's (``configs/toyworld/unet_toyfaces64.py``: UNet + FCN, AdamW, poly
decay), so the written config trains exactly what the downstream experiment measured; only
the data, the classes and the image size are the export's."""
import copy
import inspect
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.fileio import atomic_write
from mmlinsem.utils.paths import resolve_path

CONFIG_NAME = 'seg_config.py'
#: the segmenter recipe written beside an export unless another config is named
DEFAULT_SEG_RECIPE = 'configs/toyworld/unet_toyfaces64.py'
_IMPORTS = ['mmlinsem', 'mmseg.datasets', 'mmseg.models', 'mmseg.evaluation', 'mmseg.engine']


def _export_dataset(data_root, split, classes, palette, pipeline):
    return dict(
        type='BaseSegDataset',
        data_root=data_root,
        data_prefix=dict(img_path=f'img_dir/{split}', seg_map_path=f'ann_dir/{split}'),
        img_suffix='.png',
        seg_map_suffix='.png',
        reduce_zero_label=False,
        metainfo=dict(classes=list(classes), palette=[list(p) for p in palette]),
        pipeline=pipeline)


def _set_classes(decode_head: dict, num_classes: int) -> None:
    """``num_classes`` on a decode head; a class-weighted loss keeps its weights only if
    they are one per class (the recipe's were set for its own classes)."""
    decode_head['num_classes'] = num_classes
    losses = decode_head.get('loss_decode')
    for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
        if isinstance(loss, dict) and loss.get('class_weight') is not None \
                and len(loss['class_weight']) != num_classes:
            loss.pop('class_weight')


def _set_max_iters(cfg: Config, max_iters: int) -> None:
    """Train for ``max_iters``: the schedulers that ended with the recipe's run end there."""
    old = int(cfg.train_cfg.max_iters)
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = min(int(cfg.train_cfg.get('val_interval', max_iters)), max_iters)
    for sched in cfg.get('param_scheduler') or []:
        if sched.get('end') == old:
            sched['end'] = max_iters
        if int(sched.get('begin', 0)) >= max_iters:
            raise MMLinsemError(f'max_iters={max_iters} ends before a scheduler of the '
                                f'segmenter recipe begins (at {sched["begin"]})')
    ckpt = cfg.get('default_hooks', {}).get('checkpoint')
    if ckpt is not None and int(ckpt.get('interval', 1)) > max_iters:
        ckpt['interval'] = max_iters


def seg_config_for(out: str,
                   classes: Sequence[str],
                   palette,
                   size,
                   recipe: str = DEFAULT_SEG_RECIPE,
                   max_iters: Optional[int] = None,
                   batch_size: Optional[int] = None) -> Config:
    """The mmseg config that trains the segmenter of ``recipe`` on the export ``out``.

    Args:
        out (str): the export folder (stored as an absolute ``data_root``).
        classes (list[str]): class names, background included.
        palette (list): RGB colours of the classes.
        size (tuple): (H, W) of the images.
        recipe (str): an mmseg segmenter config (``EncoderDecoder`` with a
            ``data_preprocessor``); relative paths resolve from the checkout or the
            installed package.
        max_iters (int, optional): training iterations instead of the recipe's.
        batch_size (int, optional): training batch size instead of the recipe's.
    """
    path = resolve_path(recipe)
    if not osp.isfile(path):
        raise MMLinsemError(f'segmenter recipe config not found: {recipe}')
    base = Config.fromfile(path)
    # only what the runner reads: the recipe's own variables (its classes, data_root, ...)
    # would mislead a reader of the written file; to_dict() copies, so edits stay here
    runner_keys = set(inspect.signature(Runner.__init__).parameters) | {'default_scope'}
    cfg = Config({k: v for k, v in base.to_dict().items() if k in runner_keys})
    model = cfg.get('model')
    if not isinstance(model, dict) or 'decode_head' not in model \
            or 'data_preprocessor' not in model:
        raise MMLinsemError(f'{recipe} is not a segmenter recipe: expected a model with a '
                            'decode_head and a data_preprocessor')
    model.data_preprocessor.size = tuple(int(s) for s in size)
    _set_classes(model.decode_head, len(classes))
    aux = model.get('auxiliary_head')
    for head in aux if isinstance(aux, list) else [aux]:
        if isinstance(head, dict):
            _set_classes(head, len(classes))

    data_root = osp.abspath(out)
    cfg.custom_imports = dict(imports=_IMPORTS, allow_failed_imports=False)
    for split, loader in (('train', 'train_dataloader'), ('val', 'val_dataloader')):
        cfg[loader].dataset = ConfigDict(
            _export_dataset(data_root, split, classes, palette, cfg[loader].dataset.pipeline))
    cfg.test_dataloader = copy.deepcopy(cfg.val_dataloader)
    if batch_size is not None:
        cfg.train_dataloader.batch_size = int(batch_size)
    if max_iters is not None:
        _set_max_iters(cfg, int(max_iters))
    return cfg


def save_seg_config(cfg: Config, out: str, recipe: str = DEFAULT_SEG_RECIPE) -> str:
    """Write a :func:`seg_config_for` config to ``OUT/seg_config.py`` atomically; returns
    its path."""
    text = (
        f'# Written by mmlinsem.apis.write_seg_config: the segmenter of {recipe}\n'
        '# on the exported synthetic dataset. python tools/train.py THIS_FILE --work-dir DIR\n' +
        cfg.pretty_text)
    path = osp.join(out, CONFIG_NAME)
    atomic_write(path, text.encode())
    return path


def write_seg_config(out: str,
                     classes: Sequence[str],
                     palette,
                     size,
                     recipe: str = DEFAULT_SEG_RECIPE,
                     max_iters: Optional[int] = None,
                     batch_size: Optional[int] = None) -> str:
    """Write ``OUT/seg_config.py``: :func:`seg_config_for` with these arguments.

    Train it with ``python tools/train.py OUT/seg_config.py`` (or mmseg's own tool);
    point ``test_dataloader`` at real labelled images to judge it.

    Returns:
        str: the config's path.
    """
    cfg = seg_config_for(out, classes, palette, size, recipe, max_iters, batch_size)
    return save_seg_config(cfg, out, recipe)
