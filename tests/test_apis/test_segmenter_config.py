"""The config written beside an export trains the recipe's segmenter on the export."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmlinsem.apis.synthesis import seg_config_for, write_seg_config
from mmlinsem.errors import MMLinsemError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RECIPE = osp.join(ROOT, 'configs', 'toyworld', 'unet_toyfaces64.py')
TOY_CLASSES = ('background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose', 'cloth')


def palette(n):
    return [(i, 2 * i, 3 * i) for i in range(n)]


def test_the_toy_classes_keep_the_recipe_whole(tmp_path):
    recipe = Config.fromfile(RECIPE)
    cfg = seg_config_for(str(tmp_path), TOY_CLASSES, palette(8), (64, 64))
    # the model, optimiser, schedule and hooks are the recipe's, class weights included
    assert cfg.model.to_dict() == recipe.model.to_dict()
    assert cfg.optim_wrapper.to_dict() == recipe.optim_wrapper.to_dict()
    assert [s.to_dict() for s in cfg.param_scheduler] == \
        [s.to_dict() for s in recipe.param_scheduler]
    assert cfg.train_cfg.to_dict() == recipe.train_cfg.to_dict()
    assert cfg.default_hooks.to_dict() == recipe.default_hooks.to_dict()
    # the data are the export's
    for loader, split in (('train_dataloader', 'train'), ('val_dataloader', 'val'),
                          ('test_dataloader', 'val')):
        ds = cfg[loader].dataset
        assert ds.type == 'BaseSegDataset'
        assert ds.data_root == str(tmp_path)
        assert ds.data_prefix.img_path == f'img_dir/{split}'
        assert list(ds.metainfo.classes) == list(TOY_CLASSES)
        assert ds.pipeline == recipe[loader].dataset.pipeline
    # none of the recipe's own variables (its classes, data_root, ...) is carried over
    for stale in ('classes', 'num_classes', 'data_root', 'dataset_type', 'crop_size'):
        assert stale not in cfg


def test_other_classes_size_and_schedule(tmp_path):
    cfg = seg_config_for(
        str(tmp_path), ('background', 'a', 'b'), palette(3), (32, 48), max_iters=600, batch_size=4)
    head = cfg.model.decode_head
    assert head.num_classes == 3
    assert 'class_weight' not in head.loss_decode  # the recipe's 8 weights do not apply
    assert tuple(cfg.model.data_preprocessor.size) == (32, 48)
    assert cfg.train_cfg.max_iters == 600 and cfg.train_cfg.val_interval == 600
    assert cfg.param_scheduler[-1].end == 600  # the poly decay ends with the run
    assert cfg.param_scheduler[0].end == 100  # the warm-up is unchanged
    assert cfg.default_hooks.checkpoint.interval == 600
    assert cfg.train_dataloader.batch_size == 4


def test_written_file_loads_back_and_bad_recipes_are_named(tmp_path):
    path = write_seg_config(str(tmp_path), ('background', 'a'), palette(2), (16, 16))
    assert path == osp.join(str(tmp_path), 'seg_config.py')
    again = Config.fromfile(path)
    assert again.model.decode_head.num_classes == 2
    assert again.train_dataloader.dataset.metainfo.classes == ['background', 'a']
    with pytest.raises(MMLinsemError, match='not found'):
        seg_config_for(
            str(tmp_path), ('background', 'a'), palette(2), (16, 16), recipe='configs/nope.py')
    with pytest.raises(MMLinsemError, match='not a segmenter recipe'):
        seg_config_for(
            str(tmp_path), ('background', 'a'),
            palette(2), (16, 16),
            recipe=osp.join(ROOT, 'configs', 'lse', 'lse_stylegan2lite-toyfaces64.py'))
    with pytest.raises(MMLinsemError, match='before a scheduler'):
        seg_config_for(str(tmp_path), ('background', 'a'), palette(2), (16, 16), max_iters=50)
