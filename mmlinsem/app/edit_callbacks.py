"""The Edit tab's callbacks of :class:`~mmlinsem.app.session.AppSession`: a semantic
edit of the current sample streamed step by step, undo, and edits saved as w+ offsets
and applied to other seeds."""
import os
import os.path as osp
import re

import numpy as np
import torch

from mmlinsem.apis import apply_edit, edit_delta, iter_semantic_image_edit, load_edit, save_edit
from mmlinsem.apis.editing import color_edit
from mmlinsem.datasets import safe_name
from mmlinsem.errors import MMLinsemError
from mmlinsem.visualization import img_to_uint8
from .canvas import stroke_from_layer

MAX_SEEDS = 8
UNDO_DEPTH = 10


class EditCallbacks:
    """Edit callbacks mixed into :class:`~mmlinsem.app.session.AppSession` (they use its
    model, palette, ``out_dir`` and its sampling and rendering methods)."""

    def edit_stream(self,
                    state: dict,
                    value: dict,
                    steps: int = 50,
                    baseline: bool = False,
                    stream_every: int = 10):
        """SIE of the current sample towards the class stroke painted on ``value``, in w+.

        Yields ``dict(picture, metrics)`` every ``stream_every`` steps (original | target |
        edited so far | its mask), then a last one with the new ``state`` (the edited
        sample, the previous latent kept for :meth:`undo`, the edit kept for
        :meth:`save_last_edit`) and the metrics; with ``baseline`` a second row shows the
        colour baseline (the stroke pulled to the class's mean colour in the image)."""
        if state is None or 'wp' not in state:
            raise MMLinsemError('no sample to edit: draw a sample first')
        if not value or not value.get('layers'):
            raise MMLinsemError('no stroke painted: put the sample on the canvas and paint')
        stroke, label = stroke_from_layer(value['layers'][0], self.palette, self.size)
        if not 1 <= int(steps) <= 500:
            raise MMLinsemError(f'steps must be 1..500, got {steps}')
        state = self.refresh(state)  # the head may have been trained since the sample
        wp0 = self._batch(torch.from_numpy(state['wp'])).to(self.inf.device)
        space = self.gen.native_space
        frames = iter_semantic_image_edit(
            self.model,
            wp0,
            space,
            stroke=torch.from_numpy(stroke),
            label=label,
            space=space,
            steps=int(steps),
            stream_every=int(stream_every))
        target = None
        for frame in frames:
            if frame['done']:
                result = frame
                break
            if target is None:  # step 0: the target is the current mask + the stroke
                target = state['head_mask'].copy()
                target[stroke] = label
            if frame['image'] is not None and frame['step'] > 0:  # step 0 is the original
                row = self._edit_row(state['image'], target, frame['image'], frame['mask'])
                yield dict(picture=row, metrics=f'step {frame["step"]}/{frame["steps"]}')
        picture = self._edit_row(state['image'], target, result['image'], result['mask'])
        metrics = (f'**{self.classes[label]}** on {int(stroke.sum())} px: '
                   f'target agreement inside the edited region '
                   f'**{100 * result["target_agreement_inside"]:.1f} %**, mean pixel change '
                   f'outside it **{result["pixel_change_outside"]:.4f}**')
        if baseline:
            base = self._color_baseline(state, stroke, label, int(steps))
            picture = np.concatenate([picture, base['row']], 0)
            metrics += (f'; colour baseline: inside **{100 * base["inside"]:.1f} %**, outside '
                        f'**{base["outside"]:.4f}**')
        delta = edit_delta(self.model, result, wp0)
        new = self.state_of(wp0 + delta.to(wp0), state.get('seed'), state.get('psi', 1.0),
                            state.get('name'))
        new['history'] = (state.get('history') or [])[-(UNDO_DEPTH - 1):] + [state['wp']]
        new['last_edit'] = dict(
            delta=delta.numpy(),
            region=(result['target'] != result['original_mask']).cpu().numpy(),
            label=label,
            class_name=self.classes[label],
            seed=state.get('seed'),
            psi=state.get('psi'),
            steps=int(steps))
        yield dict(picture=picture, metrics=metrics, state=new)

    def _edit_row(self, image, target, edited, mask) -> np.ndarray:
        edited = edited if isinstance(edited, np.ndarray) else img_to_uint8(edited[0]).numpy()
        mask = mask if isinstance(mask, np.ndarray) else mask.cpu().numpy().astype(np.uint8)
        parts = [image, self.colorize(target), edited, self.colorize(mask)]
        return self.show(np.concatenate(parts, 1))

    def _color_baseline(self, state, stroke, label, steps) -> dict:
        image, head = state['image'], state['head_mask']
        inside = head == label
        colour = (
            image[inside].mean(0)
            if inside.any() else np.asarray(self.palette[label][:3], np.float64))
        out = color_edit(
            self.model,
            self._batch(torch.from_numpy(state['wp'])),
            torch.from_numpy(stroke),
            torch.from_numpy(colour / 127.5 - 1.0),
            latent_space=self.gen.native_space,
            space=self.gen.native_space,
            steps=steps,
            label=label)
        row = self._edit_row(image, out['target'].cpu().numpy(), out['image'], out['mask'])
        return dict(
            row=row, inside=out['target_agreement_inside'], outside=out['pixel_change_outside'])

    def undo(self, state: dict) -> dict:
        """The sample before the last edit (up to ``UNDO_DEPTH`` edits back)."""
        history = list((state or {}).get('history') or [])
        if not history:
            raise MMLinsemError('nothing to undo: no edit of this sample yet')
        wp = history.pop()
        new = self.state_of(
            torch.from_numpy(wp), state.get('seed'), state.get('psi', 1.0), state.get('name'))
        new['history'] = history
        return new

    def _require_wplus(self, what: str):
        if not self.gen.style_based:
            raise MMLinsemError(f'{what} is a w+ offset; {type(self.gen.generator).__name__} '
                                'takes z only')

    def _edit_dir(self) -> str:
        return osp.join(self.out_dir, 'edits')

    def edit_names(self) -> list:
        """Saved edits (stems of ``out_dir/edits/*.npz``)."""
        folder = self._edit_dir()
        if not osp.isdir(folder):
            return []
        return sorted(f[:-4] for f in os.listdir(folder) if f.endswith('.npz'))

    def save_last_edit(self, state: dict, name: str = '') -> str:
        """Save the last edit of this sample as a w+ delta (``tools/apply_edit.py`` reads
        it); returns its path."""
        edit = (state or {}).get('last_edit')
        if edit is None:
            raise MMLinsemError('no edit to save: run an edit first')
        self._require_wplus('a reusable edit')
        if not (name and name.strip()):  # e.g. hair_seed3
            stem = re.sub(r'[^A-Za-z0-9_-]', '_', edit['class_name']).strip('_-') or 'edit'
            name = f'{stem}_seed{edit["seed"]}' if edit['seed'] is not None else f'{stem}_edit'
        path = osp.join(self._edit_dir(), safe_name(name, 'edit name') + '.npz')
        meta = {k: v for k, v in edit.items() if k not in ('delta', 'region')}
        return save_edit(path, torch.from_numpy(edit['delta']), edit['region'], **meta)

    def apply_saved_edit(self, name: str, seeds, strength: float = 1.0) -> list:
        """original | edited | edited mask of each seed (comma-separated, at most
        ``MAX_SEEDS``) with the saved edit ``name`` at ``strength``."""
        if not name:
            raise MMLinsemError('choose a saved edit first')
        self._require_wplus('a reusable edit')
        edit = load_edit(
            osp.join(self._edit_dir(),
                     safe_name(name, 'edit name') + '.npz'), self.gen.num_latents,
            self.gen.style_channels)
        seeds = parse_seeds(seeds)
        rows = []
        for seed in seeds:
            st = self.sample(seed)
            wp = apply_edit(torch.from_numpy(st['wp']), edit, strength)
            image, mask, _ = self._render(wp[None])
            rows.append(self.show(np.concatenate([st['image'], image, self.colorize(mask)], 1)))
        return rows


def parse_seeds(text) -> list:
    """Seeds from '1,2,3' (or a list): at most ``MAX_SEEDS`` integers >= 0."""
    parts = [p for p in str(text).replace(' ', '').split(',')
             if p] if isinstance(text, str) else list(text)
    try:
        seeds = [int(p) for p in parts]
    except ValueError:
        raise MMLinsemError(f'seeds must be comma-separated integers like 1,2,3, got '
                            f'{str(text)[:60]!r}') from None
    if not 1 <= len(seeds) <= MAX_SEEDS or min(seeds) < 0:
        raise MMLinsemError(f'give 1..{MAX_SEEDS} seeds >= 0, got {str(text)[:60]!r}')
    return seeds
