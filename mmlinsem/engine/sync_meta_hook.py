"""Check that data and model agree, and give evaluators the model's class names."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmlinsem.datasets.latent_seed_dataset import default_palette
from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import HOOKS


def _model(runner):
    model = runner.model
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class SyncMetaHook(Hook):
    """Before a run: dataset latents must fit the generator and dataset classes (if any)
    must equal the extractor's; evaluators without class names get the model's."""
    priority = 'VERY_HIGH'

    def _check_loader(self, runner, loader, what):
        model = _model(runner)
        if not hasattr(model, 'generator') or loader is None:
            return
        dataset = getattr(loader, 'dataset', None)
        dim = getattr(dataset, 'latent_dim', None)
        space = getattr(model, 'latent_space', 'z')
        if dim is not None and space == 'z' and dim != model.generator.noise_size:
            raise MMLinsemError(f'{what} dataset latent_dim={dim} but the generator takes z of '
                                f'size {model.generator.noise_size}')
        classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
        if classes is not None and list(classes) != list(model.classes):
            raise MMLinsemError(f'{what} dataset has {len(classes)} classes {list(classes)} '
                                f'but the extractor has {len(model.classes)} '
                                f'{list(model.classes)}')

    def before_run(self, runner):
        for what in ('train', 'val', 'test'):
            loader = getattr(runner, f'_{what}_dataloader', None)
            if isinstance(loader, dict):
                continue  # not built yet: checked when its loop starts
            self._check_loader(runner, loader, what)

    def _sync(self, runner, loop):
        model = _model(runner)
        if not hasattr(model, 'classes'):
            return
        self._check_loader(runner, loop.dataloader, 'evaluation')
        meta = dict(loop.evaluator.dataset_meta or {})
        if 'classes' not in meta:
            meta['classes'] = list(model.classes)
        meta.setdefault('palette', default_palette(len(meta['classes'])))
        loop.evaluator.dataset_meta = meta
        runner._mmlinsem_dataset_meta = meta

    def before_train(self, runner):
        self._check_loader(runner, runner.train_dataloader, 'train')

    def before_val(self, runner):
        self._sync(runner, runner.val_loop)

    def before_test(self, runner):
        self._sync(runner, runner.test_loop)
