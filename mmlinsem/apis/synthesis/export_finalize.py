"""The second pass of an export: the uncertainty filter decides which samples mmseg sees."""
import contextlib
import fcntl
import json
import os
import os.path as osp

from mmlinsem.evaluation.uncertainty import keep_mask
from mmlinsem.utils.fileio import atomic_write, temp_target
from .export_layout import META, SPLITS, all_dirs, read_meta


@contextlib.contextmanager
def _lock(out: str):
    fd = os.open(osp.join(out, '.finalize.lock'), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def finalize_export(out: str, drop_frac: float = 0.0) -> dict:
    """The second pass: decide ``kept`` from all the scores and place the files.

    The ``round(drop_frac * n)`` most uncertain samples (of all ``n`` in the meta) are
    moved to ``OUT/filtered/{img_dir,ann_dir}/SPLIT/``, the others (back) to
    ``OUT/{img_dir,ann_dir}/SPLIT/``; files with no meta record (a killed run's last
    sample) are removed; the meta is rewritten, sorted by index, with ``kept`` set.

    Args:
        out (str): the export folder.
        drop_frac (float): fraction of the samples dropped, in [0, 1).

    Returns:
        dict: ``total``, ``kept``, ``dropped``, ``threshold`` (lowest dropped score).
    """
    with _lock(out):
        records = read_meta(out)
        order = sorted(records)
        keep = keep_mask([records[i]['score'] for i in order], drop_frac).tolist()
        known = {records[i]['name'] for i in order}
        for kind in ('img_dir', 'ann_dir'):
            for split in SPLITS:
                os.makedirs(osp.join(out, 'filtered', kind, split), exist_ok=True)
        for folder in all_dirs(out):  # orphans: written, but their record never was
            for name in os.listdir(folder):
                if temp_target(name) is None and osp.splitext(name)[0] not in known:
                    os.remove(osp.join(folder, name))
        dropped_scores = []
        for i, kept in zip(order, keep):
            rec = records[i]
            for kind in ('img_dir', 'ann_dir'):
                here = osp.join(out, kind, rec['split'], rec['name'] + '.png')
                away = osp.join(out, 'filtered', kind, rec['split'], rec['name'] + '.png')
                src, dst = (away, here) if kept else (here, away)
                if osp.isfile(src):
                    os.replace(src, dst)
            rec['kept'] = bool(kept)
            if not kept:
                dropped_scores.append(rec['score'])
        text = ''.join(json.dumps(records[i], sort_keys=True) + '\n' for i in order)
        atomic_write(osp.join(out, META), text.encode())
    return dict(
        total=len(order),
        kept=int(sum(keep)),
        dropped=len(order) - int(sum(keep)),
        threshold=min(dropped_scores) if dropped_scores else None)
