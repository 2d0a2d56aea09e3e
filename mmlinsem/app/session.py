"""The app's callbacks as plain functions over the public APIs (no UI library here).

An :class:`AppSession` holds the model (config + head), the annotation folder and the
output folder. Every callback takes and returns a small per-browser-tab ``state`` dict
(the current sample: seed, truncation, w+ latent, image, masks), so two tabs never share
a sample; what the tabs share -- the annotation folder and the head -- is written under
the store's lock and atomically.
"""
import os
import os.path as osp
import time
from typing import Callable, Optional

import numpy as np
import torch

from mmlinsem.apis import LinSemInferencer, label_size, predict_logits, sefa_directions
from mmlinsem.apis.directions import edit_wplus
from mmlinsem.datasets import AnnotationStore, safe_name
from mmlinsem.errors import MMLinsemError
from mmlinsem.models.heads import fit_lse_on_annotations
from mmlinsem.utils import latent_for, save_head_checkpoint
from mmlinsem.visualization import colorize, default_palette, img_to_uint8, legend
from .canvas import mask_from_layer, mask_layer, read_index_png, upscale
from .edit_callbacks import MAX_SEEDS, UNDO_DEPTH, EditCallbacks, parse_seeds  # noqa: F401

SOURCES = ('empty', 'teacher', 'head')


class AppSession(EditCallbacks):
    """Model, annotation store and output folder behind the app.

    Args:
        config (str): an mmlinsem job config (its generator, teacher and head type).
        head (str, optional): a head checkpoint; without it the head is untrained until
            "Train" fits one from the annotations.
        annotations (str): the annotation folder (``AnnotatedLatentDataset`` layout).
        out_dir (str): where trained heads, saved edits and downloads go.
        scale (int): display upscale of images and masks (nearest-neighbour).
    """

    def __init__(self,
                 config: str,
                 head: Optional[str] = None,
                 annotations: str = 'work_dirs/app/annotations',
                 out_dir: str = 'work_dirs/app',
                 device: str = 'cpu',
                 scale: int = 4,
                 eval_samples: int = 32):
        self.inf = LinSemInferencer(config, head, device=device)
        self.model = self.inf.model
        self.gen = self.model.generator
        self.size = tuple(label_size(self.model))
        self.classes = list(self.inf.classes)
        self.palette = default_palette(len(self.classes))
        self.store = AnnotationStore(annotations, len(self.classes), self.size)
        self.incomplete = self.store.repair()
        self.out_dir = out_dir
        self.scale = int(scale)
        self.eval_samples = int(eval_samples)
        self.head_path = head
        self.trained = head is not None

    # ------------------------------------------------------------------ sampling
    def _batch(self, latent: torch.Tensor) -> torch.Tensor:
        """One sample's latent ((L, D) w+ or (D, ) z) as a batch of one."""
        return latent[None] if latent.ndim == (2 if self.gen.style_based else 1) else latent

    def _render(self, wp: torch.Tensor):
        with torch.no_grad():
            img, feats = self.gen(
                wp.to(self.inf.device), space=self.gen.native_space, truncate=False)
            head = predict_logits(self.model, img, feats, self.size, 'head').argmax(1)[0]
            teacher = self.model.teacher(img)[0] if self.model.teacher is not None else None
        return (img_to_uint8(img[0]).numpy(), head.cpu().numpy().astype(np.uint8),
                None if teacher is None else teacher.cpu().numpy().astype(np.uint8))

    def state_of(self, wp: torch.Tensor, seed=None, psi=1.0, name=None) -> dict:
        wp = self._batch(wp)  # the latent in the generator's native space (w+ or z)
        image, head, teacher = self._render(wp)
        return dict(
            seed=seed,
            psi=psi,
            name=name,
            wp=wp[0].detach().cpu().numpy(),
            image=image,
            head_mask=head,
            teacher_mask=teacher)

    def sample(self, seed: int, psi: float = 1.0) -> dict:
        """The sample of ``seed`` (a pure function of it) at truncation ``psi``."""
        seed, psi = int(seed), float(psi)
        if seed < 0:
            raise MMLinsemError(f'seed must be >= 0, got {seed}')
        if not 0.0 <= psi <= 1.0:
            raise MMLinsemError(f'truncation psi must be in [0, 1], got {psi}')
        if psi < 1.0 and not self.gen.style_based:
            raise MMLinsemError(f'truncation psi={psi} needs a style-based generator; '
                                f'{type(self.gen.generator).__name__} takes z only (psi 1)')
        z = latent_for(seed, 0, (self.gen.noise_size, ))[None].to(self.inf.device)
        with torch.no_grad():
            wp = self.gen.native_latent(z, truncate=False)
            if psi < 1.0:
                mean = self.gen.get_mean_latent().to(wp)
                wp = mean + psi * (wp - mean)
        return self.state_of(wp, seed, psi)

    def show(self, image: np.ndarray) -> np.ndarray:
        return upscale(image, self.scale)

    def overlay(self, state: dict, which: str = 'head_mask') -> np.ndarray:
        """image | mask side by side, upscaled, with a legend underneath."""
        mask = state.get(which)
        if mask is None:
            raise MMLinsemError(f'this sample has no {which.replace("_", " ")}')
        row = np.concatenate([self.show(state['image']),
                              self.show(colorize(mask, self.palette))], 1)
        return np.concatenate([row, legend(self.classes, self.palette, row.shape[1])], 0)

    def download(self, state: dict) -> list:
        """Write the sample's image and w+ latent; returns the two paths."""
        from PIL import Image
        folder = osp.join(self.out_dir, 'downloads')
        os.makedirs(folder, exist_ok=True)
        stem = osp.join(folder, f'seed{state["seed"]}_psi{state["psi"]:.2f}')
        Image.fromarray(state['image']).save(stem + '.png')
        np.save(stem + '.npy', state['wp'])
        return [stem + '.png', stem + '.npy']

    # ------------------------------------------------------------------ annotate
    def editor_value(self, state: dict, source: str = 'teacher') -> dict:
        """Canvas value to paint on: the upscaled image with ``source``'s mask pre-loaded
        ('empty', 'teacher' or 'head')."""
        if source not in SOURCES:
            raise MMLinsemError(f'start mask must be one of {SOURCES}, got {source!r}')
        if source == 'empty':
            mask = np.full(self.size, 255, dtype=np.uint8)
        else:
            mask = (self.refresh(state) if source == 'head' else state).get(f'{source}_mask')
            if mask is None:
                raise MMLinsemError(f'no {source} mask for this sample (no {source} '
                                    'configured)')
        value = self._canvas(state['image'])
        value['layers'] = [mask_layer(mask, self.palette, self.scale)]
        return value

    def painted_mask(self, value: dict) -> np.ndarray:
        """The label mask a canvas value holds (255 where nothing is painted)."""
        if not value or not value.get('layers'):
            raise MMLinsemError('the canvas has no paint layer: start from a mask or paint')
        return mask_from_layer(value['layers'][0], self.palette, self.size)

    def save_annotation(self, state: dict, value: dict, name: str = '') -> str:
        """Save the sample's latent with the painted mask; returns the name used."""
        if state is None or 'wp' not in state:
            raise MMLinsemError('no sample to save: draw a sample first')
        mask = self.painted_mask(value)
        name = safe_name(name) if name and name.strip() else self.store.next_name()
        return self.store.save(name, state['wp'], mask, image=state['image'])

    def open_annotation(self, name: str):
        """(state, canvas value) of a saved sample, its saved mask pre-loaded."""
        latent, mask = self.store.load(name)
        state = self.state_of(torch.from_numpy(latent), name=name)
        value = self._canvas(state['image'])
        value['layers'] = [mask_layer(mask, self.palette, self.scale)]
        return state, value

    def annotation_rows(self) -> list:
        """[name, labelled pixels %, classes present] per saved sample."""
        rows = []
        for name in self.store.names():
            _, mask = self.store.read(name)
            labelled = mask != 255
            present = [self.classes[c] for c in np.unique(mask[labelled])]
            rows.append([name, round(100.0 * labelled.mean(), 1), ', '.join(present)])
        return rows

    # ------------------------------------------------------------------ train
    def train(self, ce_steps: int = 100, progress: Optional[Callable] = None) -> dict:
        """Fit a few-shot LSE on every saved annotation (closed form + L-BFGS), save it,
        and measure it against the teacher on held-out samples (when there is one)."""
        latents, masks, names = self.store.arrays()
        start = time.perf_counter()
        fit = fit_lse_on_annotations(
            self.model,
            torch.from_numpy(latents),
            torch.from_numpy(masks.astype(np.int64)),
            latent_space=None,
            ce_steps=ce_steps,
            progress=progress)
        path = osp.join(self.out_dir, 'heads', f'fewshot_n{len(names)}.pth')
        save_head_checkpoint(
            self.model, path,
            dict(
                annotations=names,
                source='mmlinsem app',
                ce_steps=ce_steps,
                annotation_dir=self.store.root))
        save_head_checkpoint(self.model, osp.join(self.out_dir, 'heads', 'latest.pth'),
                             dict(annotations=names))
        seconds = time.perf_counter() - start
        self.head_path, self.trained = path, True
        out = dict(
            path=path, num_annotations=len(names), seconds=seconds, num_pixels=fit['num_pixels'])
        if self.model.teacher is not None:
            out['miou_vs_teacher'] = self.evaluate()
        return out

    def evaluate(self, seed: int = 2024) -> float:
        """Paper mIoU (%) of the head against the teacher on ``eval_samples`` held-out
        samples (latents of ``seed``, never the annotated ones)."""
        return self.inf.miou_vs_teacher(seed, self.eval_samples)

    # ------------------------------------------------------------------ condition (SCS)
    def layout_mask(self, value: Optional[dict] = None, upload: Optional[bytes] = None):
        """The target layout: an uploaded index PNG, else the painted canvas."""
        if upload is not None:
            return read_index_png(upload, self.size, len(self.classes))
        mask = self.painted_mask(value)
        if not (mask != 255).any():
            raise MMLinsemError('the layout is empty: paint classes on the canvas')
        return mask

    def condition(self, target: np.ndarray, num: int = 4, seed: int = 0, steps: int = 50):
        """``num`` SCS samples following ``target``: [(image, mask, accuracy %)]."""
        if not 1 <= int(num) <= 16:
            raise MMLinsemError(f'number of samples must be 1..16, got {num}')
        out = []
        t = torch.from_numpy(np.asarray(target).astype(np.int64))
        labelled = t != 255
        for i in range(int(num)):
            res = self.inf.sample(t, seed=int(seed) + i, steps=int(steps))
            mask = res['prediction'].cpu()
            acc = float((mask[labelled] == t[labelled]).float().mean() * 100)
            out.append((img_to_uint8(res['image'][0]).numpy(), mask.numpy().astype(np.uint8), acc))
        return out

    # ------------------------------------------------------------------ SeFa
    def sefa(self, layers='all', num: int = 5):
        """(directions (k, D), eigenvalues (k,), layer indices) of the generator."""
        return sefa_directions(self.gen.generator, layers, int(num))

    def sefa_image(self, state: dict, directions, strengths, layers=None) -> np.ndarray:
        wp = self._batch(torch.from_numpy(state['wp'])).to(self.inf.device)
        for d, s in zip(directions, strengths):
            if float(s) != 0.0:  # w+ layers, or z itself (z-only generators)
                wp = edit_wplus(wp, d.to(wp), float(s), layers) if self.gen.style_based \
                    else wp + float(s) * d.to(wp)
        with torch.no_grad():
            img, _ = self.gen(wp, space=self.gen.native_space, truncate=False)
        return img_to_uint8(img[0]).numpy()

    # ------------------------------------------------------------------ canvases
    def colorize(self, mask: np.ndarray) -> np.ndarray:
        return colorize(mask, self.palette)

    def _canvas(self, background: np.ndarray) -> dict:
        bg = self.show(background)
        bg = np.concatenate([bg, np.full(bg.shape[:2] + (1, ), 255, np.uint8)], 2)
        return dict(background=bg, layers=[np.zeros_like(bg)], composite=None)

    def stroke_canvas(self, state: dict) -> dict:
        """Canvas for an SIE stroke: the current head's mask, nothing painted yet."""
        return self._canvas(self.colorize(self.refresh(state)['head_mask']))

    def refresh(self, state: dict) -> dict:
        """``state`` with its masks rendered by the current head (after "Train")."""
        image, head, teacher = self._render(self._batch(torch.from_numpy(state['wp'])))
        return dict(state, image=image, head_mask=head, teacher_mask=teacher)

    def blank_canvas(self) -> dict:
        """Canvas for an SCS layout: nothing painted (unpainted pixels are ignored)."""
        return self._canvas(np.full(self.size + (3, ), 255, np.uint8))
