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


def select_categories(results: Sequence[Dict[str, float]],
                      threshold: float = 0.1,
                      order: Sequence[str] = ()) -> List[str]:
    """Classes whose IoU exceeds ``threshold`` (a fraction) for any result, in ``order``
    (e.g. the teacher's class order) when given."""
    keep = {c for res in results for c, v in res.items() if v == v and v > threshold}
    ordered = [c for c in order if c in keep]
    return ordered + sorted(keep - set(ordered))


def markdown_table(names: Sequence[str],
                   results: Sequence[Dict[str, float]],
                   selected: Sequence[str] = None,
                   miou: Sequence[float] = None) -> str:
    """Per-class IoU (%) of several results as a Markdown table (rows: classes), with a
    bold mIoU (%) row when ``miou`` is given."""
    order = list(dict.fromkeys(c for r in results for c in r))
    head = '| class | ' + ' | '.join(names) + (' | kept |' if selected is not None else ' |')
    lines = [head, '|---' * (len(names) + 1 + (selected is not None)) + '|']
    for c in order:
        cells = [
            '-' if v != v else f'{100 * v:.1f}' for v in (r.get(c, float('nan')) for r in results)
        ]
        kept = (' | yes' if c in selected else ' | ') if selected is not None else ''
        lines.append(f'| {c} | ' + ' | '.join(cells) + kept + ' |')
    if miou is not None:
        lines.append('| **mIoU** | ' + ' | '.join(f'**{v:.1f}**' for v in miou) + ' |')
    return '\n'.join(lines) + '\n'
