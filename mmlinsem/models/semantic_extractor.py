"""The extractor model: frozen generator + frozen teacher + trainable semantic head."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.logging import MessageHub
from mmengine.model import BaseModel, is_model_wrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import nn

from mmlinsem.errors import MMLinsemError
from mmlinsem.registry import MODELS, build_in_scope
from mmlinsem.utils.checkpoint_io import describe_keys, last_path
from mmlinsem.utils.misc import unwrap_model
from mmlinsem.utils.seeding import noise_for, sample_seed
from mmlinsem.visualization import img_to_uint8
from . import arch_state

FROZEN = ('generator.', 'teacher.')


@MODELS.register_module()
class SemanticExtractor(BaseModel):
    """Learn a per-pixel semantic head on a GAN's feature maps.

    ``train_step`` draws the batch's latents, runs the generator with feature hooks (no
    grad), labels its images with the teacher (or takes user masks), and trains the head.
    Batches larger than ``micro_batch`` are processed in chunks with gradient
    accumulation, so the effective batch (e.g. the paper's 64) costs the memory of one
    chunk. Checkpoints hold only the head plus metadata (layers, classes), not the GAN or
    the teacher, which come from their own configs.

    Args:
        generator (dict): a ``FeatureGenerator`` config.
        head (dict): head config; ``in_channels`` is inferred from the generator and
            ``num_classes`` from the teacher when left out (without a teacher: from
            ``classes``; configs loaded by the tools fill ``classes`` from the training
            dataset's ``metainfo``).
        teacher (dict, optional): ``SegmentorTeacher`` (or compatible) config. Without it
            every batch must bring ``gt_label`` masks (user-annotated data).
        latent_space (str): space of the dataset latents: ``'z'``, ``'w'`` or ``'w+'``.
        micro_batch (int): chunk size for generator+teacher+head (0 = whole batch).
        keep_images (bool): keep generated images in predictions (for pictures).
        loss_pixels (int): train on that many random pixels per image instead of all of
            them (0): the head reads its logits there from native resolution (its
            ``points`` argument), so no full-size logit map is built -- an unbiased
            estimate of the full loss whose cost does not grow with the image size.
            Pixels are a function of (sample seed, iteration).
        classes (list[str], optional): class names; default: the teacher's, else
            ``class0``, ``class1``, ...
        data_preprocessor (dict, optional): mmengine data preprocessor config.
        init_cfg (dict, optional): mmengine initialisation config.

    The head builds its logits at the label size (the teacher's output or the given
    masks) at train / test time, and at the image size when there are no labels
    (``mode='tensor'``, :meth:`predict` without a teacher).
    """

    def __init__(self,
                 generator: dict,
                 head: dict,
                 teacher: Optional[dict] = None,
                 latent_space: str = 'z',
                 micro_batch: int = 0,
                 keep_images: bool = True,
                 loss_pixels: int = 0,
                 classes: Optional[Sequence[str]] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.generator = build_in_scope(MODELS, dict(dict(type='FeatureGenerator'), **generator))
        self.teacher = build_in_scope(MODELS, teacher) if teacher is not None else None
        self.latent_space = latent_space
        self.micro_batch = int(micro_batch)
        self.keep_images = keep_images
        self.loss_pixels = int(loss_pixels)
        self.head = build_in_scope(MODELS, self._head_cfg(head, classes))
        n = self.head_module.num_classes
        if classes is None:
            classes = self.teacher.classes if self.teacher is not None else \
                [f'class{i}' for i in range(n)]
        if len(classes) != n:
            raise MMLinsemError(f'{len(classes)} class names given but the head has {n} '
                                'classes')
        self.classes = list(classes)
        self._register_state_dict_hook(_drop_frozen_state)
        self._register_load_state_dict_pre_hook(_check_head_state, with_module=True)
        self._register_load_state_dict_pre_hook(_fill_frozen_state, with_module=True)

    @property
    def head_module(self) -> nn.Module:
        """The head itself, unwrapped from DDP when the runner wrapped it."""
        return unwrap_model(self.head)

    def _head_cfg(self, head: dict, classes=None) -> dict:
        cfg = dict(head)
        channels = list(self.generator.channels)
        if cfg.get('in_channels') is not None and list(cfg['in_channels']) != channels:
            raise MMLinsemError(f'head in_channels {list(cfg["in_channels"])} do not match '
                                f'the generator layers {channels}; leave in_channels out, '
                                'it is inferred')
        cfg['in_channels'] = channels
        if self.teacher is not None:
            k = self.teacher.num_classes
            if cfg.get('num_classes') is not None and cfg['num_classes'] != k:
                raise MMLinsemError(f'head num_classes={cfg["num_classes"]} but the teacher '
                                    f'produces {k} classes ({", ".join(self.teacher.classes)})')
            cfg['num_classes'] = k
        elif cfg.get('num_classes') is None:
            if not classes:
                raise MMLinsemError('head.num_classes is required when no teacher is '
                                    'configured: give classes=[...] (their number is used) '
                                    'or head.num_classes')
            cfg['num_classes'] = len(classes)
        return cfg

    # ------------------------------------------------------------ checkpoints
    def arch(self) -> dict:
        return dict(
            layers=list(self.generator.layer_names),
            classes=list(self.classes),
            head=type(self.head_module).__name__)

    def get_extra_state(self):
        return arch_state.encode(self.arch())

    def set_extra_state(self, state):
        mine, state = self.arch(), arch_state.decode(state)
        for key in mine:
            if key in state and state[key] != mine[key]:
                raise MMLinsemError(f'checkpoint was trained with {key}={state[key]} but the '
                                    f'config gives {key}={mine[key]}; use the config the '
                                    'checkpoint was trained with')

    # ---------------------------------------------------------------- helpers
    def _space(self, data: dict) -> str:
        """Latent space of a batch: the dataset's ``latent_space`` if it says, else ours."""
        space = data.get('latent_space')
        if isinstance(space, (list, tuple)):
            space = space[0] if space else None
        return space or self.latent_space

    def _batch(self, data: dict):
        inputs = data['inputs']
        z = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
        labels = data.get('gt_label')
        if labels is not None:
            labels = torch.stack(list(labels)) if isinstance(labels, (list, tuple)) else labels
            labels = labels.long()
        return z, labels

    def generate(self, z: torch.Tensor, seeds=None, space: Optional[str] = None):
        """Images, features and teacher labels (no grad)."""
        with torch.no_grad():
            img, feats = self.generator(
                z,
                space=space or self.latent_space,
                noise=noise_for(self.generator, seeds, z.device))
            labels = self.teacher(img) if self.teacher is not None else None
        return img, feats, labels

    def _losses(self, z, labels, seeds, space=None) -> Dict[str, torch.Tensor]:
        feats, labels, size, points = self._train_targets(z, labels, seeds, space)
        return self._head_losses(self.head, feats, labels, size, points)

    def _train_targets(self, z, labels, seeds, space=None):
        """Features, labels (the given masks or the teacher's; at ``loss_pixels`` picked
        pixels when set), the label size and the picked pixels (or None)."""
        img, feats, teacher_labels = self.generate(z, seeds, space)
        if labels is None:
            if teacher_labels is None:
                raise MMLinsemError('no teacher configured and the batch has no gt_label '
                                    'masks; add a teacher or use AnnotatedLatentDataset')
            labels = teacher_labels
        size, points = tuple(labels.shape[-2:]), None
        if self.loss_pixels > 0:
            points = self._loss_points(labels, seeds)
            labels = labels[torch.arange(len(labels), device=labels.device)[:, None],
                            points[0].to(labels.device), points[1].to(labels.device)]
        return feats, labels, size, points

    @staticmethod
    def _head_losses(head, feats, labels, size, points) -> Dict[str, torch.Tensor]:
        """The losses of one head (called as a module: DDP's forward when wrapped)."""
        module = unwrap_model(head)
        # the module call for the logits; the per-layer logits of the same parameters
        # join the same backward, so DDP reduces their sum once
        seg_logits = head(feats, size=size, points=points)
        layers = module.layer_logits(feats, size, points) if module.aux_loss_weight > 0 else None
        return module.loss_by_labels(seg_logits, labels.to(seg_logits.device), layers)

    def _loss_points(self, labels, seeds):
        """``loss_pixels`` uniform pixels per image: from each sample's (already
        per-iteration) seed when given, else from torch's global generator."""
        (h, w), p = labels.shape[-2:], self.loss_pixels
        if seeds is None:
            picks = torch.randint(0, h * w, (len(labels), p))
        else:
            picks = torch.stack([
                torch.randint(0, h * w, (p, ), generator=torch.Generator().manual_seed(int(s)))
                for s in seeds
            ])
        return picks // w, picks % w

    # ---------------------------------------------------------- train / test
    def train_step(self, data, optim_wrapper):
        data = self.data_preprocessor(data, True)
        z, labels = self._batch(data)
        seeds = data.get('sample_seed')
        if seeds is not None:
            # resample noise (noise='random') and loss pixels (loss_pixels) every
            # iteration, reproducibly: f(sample seed, iteration)
            it = MessageHub.get_current_instance().get_info('iter', 0)
            seeds = [sample_seed(int(s) & 0x7FFFFFFF, int(it)) for s in seeds]
        n = z.shape[0]
        step = self.micro_batch if self.micro_batch > 0 else n
        log_vars: Dict[str, float] = {}
        with optim_wrapper.optim_context(self):
            for start in range(0, n, step):
                sl = slice(start, start + step)
                chunk_labels = labels[sl] if labels is not None else None
                chunk_seeds = seeds[sl] if seeds is not None else None
                losses = self._losses(z[sl], chunk_labels, chunk_seeds, self._space(data))
                loss, chunk_vars = self.parse_losses(losses)
                frac = z[sl].shape[0] / n
                optim_wrapper.backward(loss * frac)
                for k, v in chunk_vars.items():
                    log_vars[k] = log_vars.get(k, 0.0) + float(torch.as_tensor(v).detach()) * frac
        optim_wrapper.step()
        optim_wrapper.zero_grad()
        return log_vars

    def forward(self, inputs, data_samples=None, mode: str = 'tensor', **meta):
        data = dict(meta, inputs=inputs)
        z, labels = self._batch(data)
        space = self._space(data)
        if mode == 'loss':
            return self._losses(z, labels, meta.get('sample_seed'), space)
        if mode == 'predict':
            return self.predict(z, labels, meta)
        if mode == 'tensor':
            img, feats, _ = self.generate(z, meta.get('sample_seed'), space)
            return self.head(feats, size=img.shape[-2:])
        raise MMLinsemError(f"mode must be 'loss', 'predict' or 'tensor', got {mode!r}")

    @torch.no_grad()
    def predict_logits(self, feats: List[torch.Tensor], size) -> torch.Tensor:
        """The head's (N, K, H, W) logits, built at ``size`` (no grad)."""
        return self.head(feats, size=size)

    @torch.no_grad()
    def predict(self, z, labels=None, meta=None) -> List[SegDataSample]:
        meta = meta or {}
        img, feats, teacher_labels = self.generate(z, meta.get('sample_seed'), self._space(meta))
        labels = labels if labels is not None else teacher_labels
        size = tuple(img.shape[-2:]) if labels is None else tuple(labels.shape[-2:])
        pred = self.predict_logits(feats, size).argmax(1)
        samples = []
        for i in range(z.shape[0]):
            ds = SegDataSample(
                metainfo=dict(
                    img_shape=size, ori_shape=size, sample_idx=_item(meta.get('sample_idx'), i)))
            ds.pred_sem_seg = PixelData(data=pred[i:i + 1])
            if labels is not None:
                ds.gt_sem_seg = PixelData(data=labels[i:i + 1].to(pred.device))
            if self.keep_images:
                ds.set_field(img_to_uint8(img[i]).cpu(), 'gen_img', field_type='data')
            samples.append(ds)
        self._add_predictions(samples, feats, size)
        return samples

    def _add_predictions(self, samples: List[SegDataSample], feats, size) -> None:
        """Further predictions of the same features (none here; see ``JointExtractor``)."""

    def trained_heads(self) -> List[tuple]:
        """``(state-dict key prefix, head module)`` of every trained head."""
        return [('head', self.head_module)]


def _item(values, i):
    if values is None:
        return None
    v = values[i]
    return int(v) if torch.is_tensor(v) or isinstance(v, int) else v


def _drop_frozen_state(module, state_dict, prefix, local_metadata):
    """Save only the head, with the keys of an unwrapped model (also under DDP)."""
    wrapped = [
        f'{prefix}{name}.' for name, child in module.named_children() if is_model_wrapper(child)
    ]
    for key in list(state_dict):
        if any(key.startswith(prefix + p) for p in FROZEN):
            del state_dict[key]
            continue
        for head in wrapped:
            if key.startswith(head + 'module.'):
                state_dict[head + key[len(head) + len('module.'):]] = state_dict.pop(key)


def _check_head_state(module, state_dict, prefix, *args, **kwargs):
    """Load heads strictly: the checkpoint must hold exactly the heads' weights (the
    frozen generator / teacher keys of older checkpoints aside), else one error line
    naming what it holds -- a generator's or a segmentor's weights, another head's."""
    given = [k[len(prefix):] for k in state_dict if k.startswith(prefix)]
    if '_extra_state' in given:  # layers / classes / head type named first
        module.set_extra_state(state_dict[prefix + '_extra_state'])
    heads = module.trained_heads()
    where = f'{last_path()}: ' if last_path() else ''
    names = tuple(f'{key}.' for key, _ in heads)
    foreign = [
        k for k in given
        if not k.startswith(names) and not k.startswith(FROZEN) and k != '_extra_state'
    ]
    for key, head in heads:
        name = type(head).__name__
        own = {f'{key}.{k}': v for k, v in head.state_dict().items()}
        required = [k for k in own if not k.endswith('_extra_state')]
        theirs = [k for k in given if k.startswith(f'{key}.')]
        missing = [k for k in required if k not in theirs]
        unexpected = [k for k in theirs if k not in own]
        if not theirs or foreign:
            raise MMLinsemError(f'{where}expected a {name} head checkpoint (keys {key}.*, '
                                f'written by tools/train.py) but '
                                f'{describe_keys(foreign or given)}')
        if missing or unexpected:
            what = (f'missing {len(missing)} keys (e.g. {missing[0]})'
                    if missing else f'{len(unexpected)} unexpected keys (e.g. {unexpected[0]})')
            raise MMLinsemError(f'{where}the checkpoint holds another head than the '
                                f'configured {name}: {what}; use the config the checkpoint '
                                'was trained with')
        for k in required:
            value = state_dict[prefix + k]
            if tuple(value.shape) != tuple(own[k].shape):
                raise MMLinsemError(f'{where}the checkpoint holds another head than the '
                                    f'configured {name}: {k} has shape {tuple(value.shape)}, '
                                    f'the model {tuple(own[k].shape)}; use the config the '
                                    'checkpoint was trained with')


def _fill_frozen_state(module, state_dict, prefix, *args, **kwargs):
    """Make loading a head-only checkpoint a no-op for the generator and the teacher."""
    for name in ('generator', 'teacher'):
        sub = getattr(module, name, None)
        if sub is not None:
            for key, value in sub.state_dict(prefix=f'{prefix}{name}.').items():
                state_dict.setdefault(key, value)
