"""A teacher-less extractor takes its class names, and its head's size, from the dataset."""
import pytest
from mmengine.config import Config

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS, build_in_scope
from mmlinsem.utils.config_io import load_config
from conftest import stylegan2_cfg

CLASSES = ('background', 'hair', 'skin')


def _cfg(dataset=True, **model):
    model = dict(
        dict(
            type='SemanticExtractor',
            generator=dict(generator=stylegan2_cfg()),
            head=dict(type='LSEHead')), **model)
    cfg = dict(model=model)
    if dataset:
        cfg['train_dataloader'] = dict(
            dataset=dict(
                type='AnnotatedLatentDataset', data_root='unused', metainfo=dict(classes=CLASSES)))
    return Config(cfg)


def test_classes_and_num_classes_come_from_the_dataset():
    cfg = load_config(_cfg())
    assert cfg.model.classes == list(CLASSES)
    m = build_in_scope(MODELS, cfg.model.to_dict())
    assert m.classes == list(CLASSES) and m.head_module.num_classes == 3


def test_given_classes_win_and_a_mismatching_head_is_one_line():
    cfg = load_config(_cfg(classes=['a', 'b']))
    assert cfg.model.classes == ['a', 'b']
    cfg = load_config(_cfg(head=dict(type='LSEHead', num_classes=5)))
    with pytest.raises(MMLinsemError, match='3 class names given but the head has 5'):
        build_in_scope(MODELS, cfg.model.to_dict())


def test_no_classes_anywhere_is_one_line():
    cfg = load_config(_cfg(dataset=False))
    with pytest.raises(
            MMLinsemError,
            match='num_classes is required when no teacher is configured: give classes'):
        build_in_scope(MODELS, cfg.model.to_dict())
