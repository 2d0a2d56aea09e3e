"""The layout of an export folder (see :mod:`.dataset_export`) and its integrity
bookkeeping: sample names and splits, the meta records, the settings manifest, the
temporary files a killed run leaves."""
import json
import os
import os.path as osp
from typing import List, Tuple

from mmlinsem.errors import MMLinsemError
from mmlinsem.utils.fileio import atomic_write, temp_target
from mmlinsem.utils.seeding import sample_seed

SPLITS = ('train', 'val')
META = 'meta.jsonl'
MANIFEST = 'export.json'
NAME_DIGITS = 8
_SPLIT_SALT = 0x5EED5


def sample_name(index: int) -> str:
    """File stem of sample ``index``.

    Args:
        index (int): the sample index.
    """
    return f'{int(index):0{NAME_DIGITS}d}'


def split_of(seed: int, index: int, val_frac: float) -> str:
    """'val' for a ``val_frac`` share of the indices, a function of (seed, index) only.

    Args:
        seed (int): the export seed.
        index (int): the sample index.
        val_frac (float): the val share in [0, 1).
    """
    u = (sample_seed(int(seed) ^ _SPLIT_SALT, index) >> 10) / float(1 << 53)
    return 'val' if u < val_frac else 'train'


def parse_shard(text: str) -> Tuple[int, int]:
    """``'i/n'`` -> (i, n) with 0 <= i < n.

    Args:
        text (str): the ``--shard`` value.
    """
    try:
        i, n = (int(v) for v in str(text).split('/'))
    except ValueError:
        raise MMLinsemError(f"--shard must be 'i/n' (e.g. 0/4), got {text!r}") from None
    if n < 1 or not 0 <= i < n:
        raise MMLinsemError(f'--shard i/n needs 0 <= i < n, got {text!r}')
    return i, n


def read_meta(out: str) -> dict:
    """index -> record of ``OUT/meta.jsonl`` (a torn last line is ignored; the last
    record of an index wins).

    Args:
        out (str): the export folder.
    """
    records = {}
    path = osp.join(out, META)
    if not osp.isfile(path):
        return records
    with open(path) as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and 'index' in rec:
                records[int(rec['index'])] = rec
    return records


def repair_meta(out: str) -> None:
    """Cut a torn last line (a run killed mid-append) so the next record starts clean."""
    path = osp.join(out, META)
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return
    with open(path, 'rb+') as f:
        data = f.read()
        if data.endswith(b'\n'):
            return
        f.truncate(data.rfind(b'\n') + 1)


def data_dirs(out: str, root: str = '') -> List[str]:
    return [osp.join(out, root, kind, split) for kind in ('img_dir', 'ann_dir') for split in SPLITS]


def all_dirs(out: str) -> List[str]:
    return data_dirs(out) + data_dirs(out, 'filtered') + [osp.join(out, 'latents')]


def remove_temp_files(out: str, mine=None) -> int:
    """Remove temporary files left by a killed run (of the indices ``mine`` accepts)."""
    removed = 0
    for folder in all_dirs(out) + [out]:
        if not osp.isdir(folder):
            continue
        for name in os.listdir(folder):
            target = temp_target(name)
            if target is None:
                continue
            stem = target.split('.')[0]
            if mine is not None and stem.isdigit() and not mine(int(stem)):
                continue
            os.remove(osp.join(folder, name))
            removed += 1
    return removed


def check_manifest(out: str, settings: dict) -> None:
    path = osp.join(out, MANIFEST)
    if osp.isfile(path):
        with open(path) as f:
            old = json.load(f)
        diff = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
        if diff:
            raise MMLinsemError(f'{out} holds an export made with other settings '
                                f'({", ".join(diff)} differ); use a new --out')
        return
    atomic_write(path, (json.dumps(settings, indent=2, sort_keys=True) + '\n').encode())
