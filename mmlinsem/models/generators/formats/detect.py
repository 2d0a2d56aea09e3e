"""Which generator format a file holds, told by its content (never by its name).

:func:`read_generator_file` reads a file the safe way for its container -- a ``torch.save``
archive through the checkpoint reader (``torch.load(weights_only=True)``), any other pickle
(NVIDIA snapshots) through a restricted unpickler -- and, when the content is a foreign
generator, converts it to mmagic's layout with the reader of its format.
"""
import os.path as osp
from typing import Optional, Tuple

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.checkpoint_io import describe_keys, read_checkpoint
from . import genforce, nvidia, rosinality
from .common import ForeignGenerator

SUPPORTED_FORMATS = ('mmagic / mmgen checkpoints (generator_ema.* keys), rosinality .pt '
                     '(g_ema), NVIDIA stylegan2-ada / stylegan3 .pkl (G_ema), LinearGAN / '
                     'genforce .pth (StyleGAN2, PGGAN, StyleGAN v1)')

# ``torch.save``'s legacy (non-zip) files start with a pickled magic number
_LEGACY_TORCH = b'\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19'


def container(path: str) -> str:
    """'pickle' (a plain pickle, protocol >= 2) or 'torch' (anything else: a ``torch.save``
    archive, zip or legacy, or a file the checkpoint reader will name)."""
    with open(path, 'rb') as f:
        head = f.read(len(_LEGACY_TORCH))
    if head.startswith(b'\x80') and head != _LEGACY_TORCH:
        return 'pickle'
    return 'torch'  # zip / legacy archives; any other bytes get the reader's message


def format_of(obj) -> str:
    """'nvidia', 'rosinality', 'genforce' or 'mmagic' (anything else) for a loaded file."""
    if nvidia.looks_like(obj) or isinstance(obj, nvidia.PersistentRecord):
        return 'nvidia'
    if rosinality.looks_like(obj):
        return 'rosinality'
    if genforce.kind(genforce.unwrap(obj)[0]):
        return 'genforce'
    return 'mmagic'


def convert_loaded(obj) -> Optional[ForeignGenerator]:
    """The mmagic-layout generator of a loaded foreign file; None for mmagic's layout."""
    fmt = format_of(obj)
    if fmt == 'mmagic':
        return None
    if isinstance(obj, nvidia.PersistentRecord):
        obj = dict(G_ema=obj)
    reader = dict(nvidia=nvidia, rosinality=rosinality, genforce=genforce)[fmt]
    try:
        return reader.convert(obj)
    except KeyError as err:  # a tensor of the layout is absent
        raise MMLinsemError(f'{fmt} generator file: the tensor {err.args[0]} that its layout '
                            'needs is missing') from None


def _read_pickle(path: str):
    try:
        obj = nvidia.read_pickle(path)
    except MMLinsemError:
        raise
    except Exception as err:  # noqa: BLE001 - a damaged pickle is one line
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0][:100]
        raise MMLinsemError(f'cannot read {path} as a pickle ({type(err).__name__}: '
                            f'{reason}); expected one of: {SUPPORTED_FORMATS}') from None
    if format_of(obj) != 'nvidia':
        what = (
            describe_keys([str(k) for k in obj])
            if isinstance(obj, dict) else f'a pickled {type(obj).__name__}')
        raise MMLinsemError(f'{path} is a pickle but no NVIDIA snapshot with a G_ema network '
                            f'({what}); supported: {SUPPORTED_FORMATS}')
    return obj


def read_generator_file(path: str) -> Tuple[object, Optional[ForeignGenerator]]:
    """(loaded content, converted generator or None for an mmagic-layout checkpoint)."""
    if not osp.isfile(path):
        raise FileNotFoundError(2, 'No such file or directory', path)
    if container(path) == 'pickle':
        obj = _read_pickle(path)
    else:
        obj = read_checkpoint(path)
    return obj, convert_loaded(obj)


def generator_config_from_file(path: str) -> dict:
    """The ``generator`` config of ``FeatureGenerator`` that fits the weights in ``path``."""
    obj, foreign = read_generator_file(path)
    if foreign is not None:
        return dict(foreign.generator)
    meta = obj.get('meta') if isinstance(obj, dict) else None
    cfg = meta.get('generator') if isinstance(meta, dict) else None
    if isinstance(cfg, dict):
        return dict(cfg)
    raise MMLinsemError(f'{path} is an mmagic-layout checkpoint that does not record its '
                        'generator config (meta.generator): write the config by hand')
