"""Check that data and model agree, and give evaluators the model's class names."""
from mmengine.hooks import Hook

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import HOOKS
from mmlinsem.utils.misc import unwrap_model
from mmlinsem.visualization import default_palette


def _model(runner):
    return unwrap_model(runner.model)


@HOOKS.register_module()
class SyncMetaHook(Hook):
    """Before training and each evaluation: dataset latents must fit the generator and
    dataset classes (if any) must equal the extractor's. Evaluators without class names
    get the model's; the resulting ``dataset_meta`` (classes, palette) is also set on
    ``runner.visualizer.dataset_meta``, where other hooks (``OverlayHook``) read it.

    Runs at VERY_HIGH priority, so its checks come before any hook that uses the data
    (e.g. ``ClosedFormLSEHook``). Takes no arguments.
    """
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
        runner.visualizer.dataset_meta = meta

    def before_train(self, runner):
        self._check_loader(runner, runner.train_dataloader, 'train')
        val_loop = runner.val_loop  # built by Runner.train: fail before the first iteration
        if val_loop is not None:
            self._check_loader(runner, val_loop.dataloader, 'val')

    def before_val(self, runner):
        self._sync(runner, runner.val_loop)

    def before_test(self, runner):
        self._sync(runner, runner.test_loop)
