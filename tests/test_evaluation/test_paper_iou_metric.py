"""Issue 3: the paper's per-image mIoU on hand-made masks."""
import numpy as np
import pytest
import torch

from mmlinsem.errors import MMLinsemError
from mmlinsem.evaluation import PaperIoUMetric, per_image_iou


def _sample(pred, gt):
    return {
        'pred_sem_seg': {
            'data': torch.tensor(pred)[None]
        },
        'gt_sem_seg': {
            'data': torch.tensor(gt)[None]
        }
    }


def test_per_image_iou_hand_computed():
    gt = torch.tensor([[0, 1, 1, 2]])
    pred = torch.tensor([[1, 1, 0, 2]])
    iou, inter, union = per_image_iou(pred, gt, 4)
    # class 1: inter 1, union 3; class 2: 1/1; class 3 absent from both -> -1
    assert iou.tolist() == pytest.approx([1 / 3, 1.0, -1.0])


def test_metric_aggregates_per_class_over_images_where_present():
    m = PaperIoUMetric()
    m.dataset_meta = dict(classes=['bg', 'a', 'b', 'c'])
    m.process(
        None,
        [
            _sample([[0, 1, 1, 2]], [[0, 1, 1, 1]]),  # a: 2/3, b: 0/1, c: absent
            _sample([[3, 3, 0, 0]], [[3, 0, 0, 0]]),  # a, b absent; c: 1/2
            _sample([[1, 1, 1, 1]], [[1, 1, 1, 1]])
        ])  # a: 1
    res = m.compute_metrics(m.results)
    # a: mean(2/3, 1) = 5/6; b: 0; c: 1/2 -> mIoU = (5/6 + 0 + 1/2) / 3
    assert res['mIoU'] == pytest.approx(100 * (5 / 6 + 0 + 0.5) / 3)
    # accumulated: a: (2 + 4) / (3 + 4); b: 0 / 1; c: 1 / 2
    assert res['aIoU'] == pytest.approx(100 * (6 / 7 + 0 + 0.5) / 3)


def test_class_absent_everywhere_is_skipped_and_bad_labels_refused():
    m = PaperIoUMetric()
    m.dataset_meta = dict(classes=['bg', 'a', 'b'])
    m.process(None, [_sample([[1, 0]], [[1, 0]])])
    assert m.compute_metrics(m.results)['mIoU'] == pytest.approx(100.0)
    with pytest.raises(MMLinsemError, match='< num_classes=3'):
        m.process(None, [_sample([[5, 0]], [[1, 0]])])
    with pytest.raises(MMLinsemError, match='differ in size'):
        m.process(None, [_sample([[1, 0, 0]], [[1, 0]])])


def test_writes_csv(tmp_path):
    m = PaperIoUMetric(output_dir=str(tmp_path))
    m.dataset_meta = dict(classes=['bg', 'a'])
    m.process(None, [_sample([[1, 0]], [[1, 1]])])
    m.compute_metrics(m.results)
    rows = (tmp_path / 'per_class_iou.csv').read_text().splitlines()
    assert rows[0].startswith('class') and rows[1].startswith('a,0.5')
    assert np.isclose(float(rows[1].split(',')[1]), 0.5)


def test_pred_key_reads_another_heads_prediction():
    sample = _sample([[1, 0]], [[1, 1]])
    sample['pred_sem_seg_nse1'] = {'data': torch.tensor([[1, 1]])[None]}
    main, other = PaperIoUMetric(), PaperIoUMetric(pred_key='pred_sem_seg_nse1', prefix='nse1')
    for m in (main, other):
        m.dataset_meta = dict(classes=['bg', 'a'])
        m.process(None, [sample])
    assert main.compute_metrics(main.results)['mIoU'] == pytest.approx(50.0)
    assert other.compute_metrics(other.results)['mIoU'] == pytest.approx(100.0)
    missing = PaperIoUMetric(pred_key='pred_sem_seg_nse2')
    missing.dataset_meta = dict(classes=['bg', 'a'])
    with pytest.raises(MMLinsemError, match="no 'pred_sem_seg_nse2' prediction"):
        missing.process(None, [sample])
