"""Reading mmengine's ``vis_data/scalars.json`` training logs."""
import glob
import json
import os.path as osp
from typing import List, Optional, Tuple


def read_scalars(work_dir: str) -> List[dict]:
    """Every record of every run under ``work_dir`` (``*/vis_data/scalars.json``, one JSON
    object per line), runs in timestamp order, lines in file order; [] when there are none."""
    records = []
    for log in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(log) as f:
            records.extend(json.loads(line) for line in f if line.strip())
    return records


def scalar_series(records: List[dict], key: str) -> List[Tuple[int, float]]:
    """``(step, value)`` of the records holding ``key``, in order."""
    return [(rec['step'], rec[key]) for rec in records if key in rec]


def last_scalar(work_dir: str, key: str) -> Optional[float]:
    """The last logged value of ``key`` under ``work_dir`` (None if never logged)."""
    values = [float(rec[key]) for rec in read_scalars(work_dir) if key in rec]
    return values[-1] if values else None
