"""One object for the whole toolbox: build from config + head checkpoint, then segment,
sample to a mask (SCS), edit by mask (SIE) or find SeFa directions."""
from typing import Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import load_checkpoint

from mmlinsem.errors import MMLinsemError
from mmlinsem.evaluation import aggregate_iou, per_image_iou
from mmlinsem.registry import MODELS, build_in_scope
from mmlinsem.utils.checkpoint_io import HEAD_CHECKPOINT, expecting
from mmlinsem.utils.config_io import load_config
from mmlinsem.utils.seeding import latent_for
from .directions.sefa import sefa_directions
from .editing.sie import semantic_image_edit
from .latent_optim import label_size, predict_logits
from .synthesis.scs import semantic_conditional_sample


class LinSemInferencer:
    """Build a ``SemanticExtractor`` from ``config`` and load its head ``checkpoint``.

    Args:
        config (str | Config): an mmlinsem job config.
        checkpoint (str, optional): a head checkpoint written by ``tools/train.py``.
        device (str): 'cpu' or 'cuda[:i]'.
        cfg_options (dict, optional): overrides merged into the config.
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 cfg_options: Optional[dict] = None):
        cfg = load_config(config, cfg_options)  # also names a wrong key later (run_main)
        if cfg.model.get('type') != 'SemanticExtractor':
            raise MMLinsemError(f'expected a SemanticExtractor config, got model type '
                                f'{cfg.model.get("type")!r}')
        # Weights that no checkpoint fills (random test models, a head before loading)
        # are a function of the config: built from a fixed seed, torch's RNG left as it was.
        with DefaultScope.overwrite_default_scope('mmlinsem'), \
                torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            self.model = build_in_scope(MODELS, cfg.model)
            if checkpoint:
                try:
                    with expecting(HEAD_CHECKPOINT):
                        load_checkpoint(self.model, checkpoint, map_location='cpu', logger='silent')
                except FileNotFoundError:
                    raise MMLinsemError(f'checkpoint not found: {checkpoint}') from None
        self.model.to(device).eval()
        self.cfg = cfg
        self.device = device

    @property
    def classes(self):
        return self.model.classes

    def latents(self, seed: int, num: int) -> torch.Tensor:
        """``num`` z latents that are a pure function of (seed, index)."""
        return torch.stack([
            latent_for(seed, i, (self.model.generator.noise_size, )) for i in range(num)
        ]).to(self.device)

    @torch.no_grad()
    def segment(self, latents: torch.Tensor, space: str = 'z') -> dict:
        """Images, LSE masks and teacher masks of a latent batch."""
        img, feats = self.model.generator(latents.to(self.device), space=space)
        size = label_size(self.model)
        pred = predict_logits(self.model, img, feats, size, 'head').argmax(1)
        teacher = self.model.teacher(img) if self.model.teacher is not None else None
        return dict(images=img, masks=pred, teacher_masks=teacher)

    def miou_vs_teacher(self, seed: int, num: int, batch_size: int = 8) -> float:
        """Paper mIoU (%, background excluded) of the head against the teacher on ``num``
        samples of ``seed`` (a quick check; tools/test.py runs the full metric)."""
        import numpy as np

        if self.model.teacher is None:
            raise MMLinsemError('measuring against the teacher needs a configured teacher')
        z, ious = self.latents(seed, num), []
        for b in range(0, len(z), batch_size):
            out = self.segment(z[b:b + batch_size])
            for pred, gt in zip(out['masks'], out['teacher_masks']):
                ious.append(per_image_iou(pred.cpu(), gt.cpu(), len(self.classes))[0].numpy())
        return float(np.nanmean(aggregate_iou(np.stack(ious))) * 100)

    def sample(self, target, **kwargs) -> dict:
        return semantic_conditional_sample(self.model, torch.as_tensor(target), **kwargs)

    def edit(self, latent, **kwargs) -> dict:
        return semantic_image_edit(self.model, torch.as_tensor(latent), **kwargs)

    def sefa(self, layers: Union[str, Sequence[int]] = 'all', num_directions: int = 5):
        return sefa_directions(self.model.generator.generator, layers, num_directions)
