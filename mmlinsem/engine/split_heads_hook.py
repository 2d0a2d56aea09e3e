"""Save each head of a joint run as the checkpoint of a single-head run."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import HOOKS
from mmlinsem.utils.checkpoint_io import write_checkpoint
from mmlinsem.utils.misc import unwrap_model


@HOOKS.register_module()
class SplitHeadsHook(Hook):
    """With every checkpoint of a ``JointExtractor`` run, write each head alone to
    ``{work_dir}/{name}/iter_{N}.pth`` (atomically), keys ``head.*`` as ``tools/train.py``
    writes them for one head: ``tools/test.py configs/nse1/... work_dir/nse1/iter_N.pth``
    evaluates it with the head's own config. The joint checkpoint stays the one to resume.
    """
    priority = 'LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        model = unwrap_model(runner.model)
        if not hasattr(model, 'head_checkpoint'):
            raise MMLinsemError(f'SplitHeadsHook needs a JointExtractor model, the config '
                                f'gives {type(model).__name__}')
        if not is_main_process():
            return
        step = int(checkpoint.get('meta', {}).get('iter', runner.iter + 1))
        for name in model.head_names:
            write_checkpoint(
                model.head_checkpoint(name, meta=dict(iter=step)),
                osp.join(runner.work_dir, name, f'iter_{step}.pth'))
