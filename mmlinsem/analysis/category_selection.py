"""Category selection: keep the classes some extractor segments with IoU above a threshold."""
import csv
from typing import Dict, List, Sequence


def read_per_class_iou(path: str) -> Dict[str, float]:
    """``per_class_iou.csv`` written by ``PaperIoUMetric(output_dir=...)`` -> {class: IoU}."""
    out = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            try:
                out[row['class']] = float(row['iou_paper'])
            except ValueError:
                continue
    return out


def select_categories(results: Sequence[Dict[str, float]], threshold: float = 0.1,
                      order: Sequence[str] = ()) -> List[str]:
    """Classes whose IoU exceeds ``threshold`` (a fraction) for any result, in ``order``
    (e.g. the teacher's class order) when given."""
    keep = {c for res in results for c, v in res.items() if v == v and v > threshold}
    ordered = [c for c in order if c in keep]
    return ordered + sorted(keep - set(ordered))
