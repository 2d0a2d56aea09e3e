"""Issue 3: teachers and class maps."""
import pytest
import torch

from mmlinsem.data import ade20k_classes
from mmlinsem.errors import MMLinsemError
from mmlinsem.models import EncodingTeacher, MergeLabelMap, SegmentorTeacher, SelectLabelMap
from mmlinsem.registry import MODELS
from conftest import tiny_teacher_cfg


def test_normalisation_resize_and_label_size():
    teacher = MODELS.build(tiny_teacher_cfg(input_size=32, mean=[10, 20, 30], std=[2, 4, 8]))
    seen = {}
    orig = teacher.segmentor.encode_decode

    def spy(x, metas):
        seen['x'] = x
        return orig(x, metas)

    teacher.segmentor.encode_decode = spy
    img = torch.rand(2, 3, 16, 16) * 2 - 1
    labels = teacher(img)
    assert labels.shape == (2, 16, 16) and labels.dtype == torch.long
    assert seen['x'].shape[-2:] == (32, 32)
    expect = ((img + 1) * 127.5 - torch.tensor([10., 20, 30]).view(1, 3, 1, 1)) / \
        torch.tensor([2., 4, 8]).view(1, 3, 1, 1)
    corner = seen['x'][..., 0, 0]  # align_corners=True keeps the corner pixel
    assert torch.allclose(corner, expect[..., 0, 0], atol=1e-4)
    assert not teacher.segmentor.training
    teacher.train()
    assert not teacher.segmentor.training


def test_select_zero_logit_background_rule():
    lm = SelectLabelMap(source_classes=['w', 'x', 'y', 'z'], classes=['x', 'z'])
    assert lm.classes == ['background', 'x', 'z']
    logits = torch.tensor([
        [-1., -2., 5., -3.],  # y wins overall, x/z negative -> bg
        [-1., 0.5, 5., 0.2],  # x positive -> x
        [9., -1., 0., 0.3]
    ])  # z positive -> z even though w wins
    logits = logits.view(3, 4, 1, 1).permute(1, 0, 2, 3).reshape(1, 4, 3, 1)
    labels = lm(logits).view(-1).tolist()
    assert labels == [0, 1, 2]


def test_ade20k_presets_match_the_paper():
    ade = ade20k_classes()
    assert len(ade) == 150 and ade[0] == 'wall' and ade[148] == 'clock'
    lm = SelectLabelMap(ade, preset='stylegan2_bedroom')
    assert len(lm.classes) == 17
    assert (lm.index + 1).tolist() == [1, 4, 6, 8, 9, 16, 19, 23, 37, 40, 58, 67, 83, 86, 140, 149]
    assert len(SelectLabelMap(ade, preset='stylegan2_church').classes) == 12
    assert len(SelectLabelMap(ade, preset='pggan_church').classes) == 7
    with pytest.raises(MMLinsemError, match='expected one of'):
        SelectLabelMap(ade, preset='nope')


def test_celebamask_merge_19_to_15():
    from mmlinsem.data import celebamask_hq
    src = celebamask_hq()['classes19']
    lm = MergeLabelMap(src, preset='celebamask_hq_19to15')
    assert len(lm.classes) == 15
    logits = torch.full((1, 19, 1, 3), -10.)
    logits[0, src.index('l_eye'), 0, 0] = 5
    logits[0, src.index('r_brow'), 0, 1] = 5
    logits[0, src.index('neck_l'), 0, 2] = 5
    assert [lm.classes[i] for i in lm(logits).view(-1)] == ['eye', 'brow', 'neck']


def test_checkpoint_classes_and_mismatch(tmp_path):
    t = MODELS.build(tiny_teacher_cfg(classes=('a', 'b', 'c', 'd')))
    path = tmp_path / 't.pth'
    torch.save(
        {
            'state_dict': t.segmentor.state_dict(),
            'meta': {
                'dataset_meta': {
                    'classes': ['bg', 'p', 'q', 'r']
                }
            }
        }, path)
    cfg = tiny_teacher_cfg(checkpoint=str(path))
    cfg.pop('classes')
    assert MODELS.build(cfg).classes == ['bg', 'p', 'q', 'r']
    bad = tiny_teacher_cfg(classes=('a', 'b', 'c', 'd', 'e', 'f'), checkpoint=str(path))
    with pytest.raises(MMLinsemError, match='does not fit'):
        MODELS.build(bad)
    with pytest.raises(MMLinsemError, match='4 output classes but 2'):
        SegmentorTeacher(**{
            k: v
            for k, v in tiny_teacher_cfg(classes=('a', 'b', 'c', 'd')).items() if k != 'type'
        } | dict(classes=['a', 'b']))


def test_encoding_teacher_runs_after_patch_and_fails_offline_in_one_line(tmp_path, monkeypatch):
    import encoding  # noqa: F401  (installed and patched by tools/setup_env.sh)
    t = EncodingTeacher(
        model_name='DeepLab_ResNeSt50_ADE',
        pretrained=False,
        label_map=dict(type='SelectLabelMap', source_classes='ade20k', preset='pggan_church'))
    labels = t(torch.rand(1, 3, 32, 32) * 2 - 1)
    assert labels.shape == (1, 32, 32) and int(labels.max()) < 7
    assert not any(p.requires_grad for p in t.parameters())
    monkeypatch.setenv('ENCODING_REPO', 'http://127.0.0.1:9/')
    with pytest.raises(MMLinsemError) as err:
        EncodingTeacher(model_name='DeepLab_ResNeSt50_ADE', root=str(tmp_path))
    assert 'could not get the pretrained weights' in str(err.value)
    assert '\n' not in str(err.value)


@pytest.mark.parametrize('preset', ['stylegan_bedroom', 'pggan_bedroom', 'stylegan2_bedroom'])
def test_select_matches_mmseg_ade20k_names_with_stray_whitespace(preset):
    """Issue 11.5: mmseg's own ADE20K list (what a checkpoint's dataset_meta carries) has
    'bed ' with a trailing space at index 7; names match after stripping whitespace."""
    from mmseg.datasets import ADE20KDataset

    from mmlinsem.models.teachers.label_maps import build_label_map
    mmseg_names = list(ADE20KDataset.METAINFO['classes'])
    assert mmseg_names[7] == 'bed '  # the premise: mmseg's name is not clean
    ref = SelectLabelMap(ade20k_classes(), preset=preset)
    assert 'bed' in ref.classes
    lm = SelectLabelMap(mmseg_names, preset=preset)
    assert lm.index.tolist() == ref.index.tolist() and lm.classes == ref.classes
    assert 7 in lm.index.tolist()  # 'bed' selected (ADE index 8 in the csv)
    # the config route: source classes taken from the teacher (checkpoint dataset_meta)
    built = build_label_map(dict(type='SelectLabelMap', preset=preset), mmseg_names)
    assert built.index.tolist() == ref.index.tolist()
    # whitespace on the requested side too; unknown names still fail in one line
    assert SelectLabelMap(mmseg_names, classes=[' bed', 'wall ']).index.tolist() == [7, 0]
    with pytest.raises(MMLinsemError, match='not among the teacher classes') as err:
        SelectLabelMap(mmseg_names, classes=['bed', 'sofa bed'])
    assert '\n' not in str(err.value)
