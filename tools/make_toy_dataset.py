"""Write the procedural toy-face world as an mmseg dataset.

    python tools/make_toy_dataset.py --out data/toyfaces --num-train 10000 --num-val 1000 \
        --size 64 --seed 0

Layout (mmseg standard)::

    OUT/img_dir/{train,val}/NNNNNN.png   RGB images
    OUT/ann_dir/{train,val}/NNNNNN.png   single-channel 8-bit class indices
    OUT/stats.json                       counts + class histogram/presence per split
    OUT/preview.png                      first 16 train images, image row + mask row

Sample ``i`` of train is ``render_toy_face(seed, i)``; sample ``i`` of val is
``render_toy_face(seed, VAL_INDEX_OFFSET + i)`` (a disjoint stream of the same world).
An output folder that already holds a dataset is refused unless ``--overwrite`` is
given (then its old PNGs are removed first, so no stale samples survive).
"""
import argparse
import glob
import importlib.util
import json
import os
import os.path as osp
import sys
import types

VAL_INDEX_OFFSET = 1_000_000_000
SPLITS = ('train', 'val')


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one ``error: ...`` line (exit code 2)."""

    def error(self, message):
        fail(message)


def fail(message):
    print(f'error: {message}', file=sys.stderr)
    sys.exit(2)


def parse_args(argv=None):
    parser = _Parser(description='Generate the toy-face segmentation dataset')
    parser.add_argument('--out', default='data/toyfaces', help='output folder')
    parser.add_argument('--num-train', type=int, default=10000)
    parser.add_argument('--num-val', type=int, default=1000)
    parser.add_argument('--size', type=int, default=64, help='image side, a power of two >= 32')
    parser.add_argument('--seed', type=int, default=0, help='world seed (>= 0)')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing dataset in --out')
    args = parser.parse_args(argv)
    if args.size < 32 or args.size & (args.size - 1):
        fail(f'--size must be a power of two >= 32, got {args.size}')
    if args.size > 1024:
        fail(f'--size must be <= 1024, got {args.size}')
    if args.num_train < 1 or args.num_val < 1:
        fail(f'--num-train and --num-val must be >= 1, got {args.num_train} and '
             f'{args.num_val}')
    if args.num_train > VAL_INDEX_OFFSET:
        fail(f'--num-train must be <= {VAL_INDEX_OFFSET} (val indices start there)')
    if args.seed < 0:
        fail(f'--seed must be >= 0, got {args.seed}')
    return args


def prepare_dirs(out, overwrite):
    dirs = [osp.join(out, kind, split) for kind in ('img_dir', 'ann_dir') for split in SPLITS]
    old = [p for d in dirs for p in glob.glob(osp.join(d, '*.png'))]
    if old and not overwrite:
        fail(f'{out} already holds a dataset ({len(old)} PNGs); pass --overwrite to '
             'replace it')
    try:
        for path in old:
            os.remove(path)
        for d in dirs:
            os.makedirs(d, exist_ok=True)
    except OSError as err:
        fail(f'cannot write to {out}: {err.strerror} ({err.filename})')
    return dirs


def load_renderer():
    """The module ``mmlinsem.datasets.toy_faces`` (numpy only, no mmlinsem imports).

    Found through the installed package (``importlib.util.find_spec('mmlinsem')`` locates
    it without running it) and executed on its own, so the package ``__init__`` (torch,
    mmseg, mmagic: seconds of start-up) is skipped; an already imported module is reused.
    """
    name = 'mmlinsem.datasets.toy_faces'
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec('mmlinsem')
    if spec is None or not spec.submodule_search_locations:
        fail('the mmlinsem package is not installed (pip install -e . in the checkout)')
    folder = osp.join(list(spec.submodule_search_locations)[0], 'datasets')
    # a stand-in package over that folder: toy_faces.py and the drawing module it imports
    # load without the package's (or mmlinsem.datasets') __init__
    package = types.ModuleType('_mmlinsem_toy')
    package.__path__ = [folder]
    sys.modules.setdefault('_mmlinsem_toy', package)
    module_spec = importlib.util.spec_from_file_location('_mmlinsem_toy.toy_faces',
                                                         osp.join(folder, 'toy_faces.py'))
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_spec.name] = module
    module_spec.loader.exec_module(module)
    return module


def preview_grid(images, masks, palette, per_row=8, gap=2):
    """Rows of ``per_row`` images, each followed by their coloured masks."""
    import numpy as np
    size = images[0].shape[0]
    scale = max(1, 128 // size)
    rows = []
    for start in range(0, len(images), per_row):
        imgs = list(images[start:start + per_row])
        cols = [palette[m] for m in masks[start:start + per_row]]
        while len(imgs) < per_row:  # pad a short last row
            imgs.append(np.zeros_like(images[0]))
            cols.append(np.zeros_like(images[0]))
        for tiles in (imgs, cols):
            row = np.full((size, per_row * (size + gap) - gap, 3), 255, np.uint8)
            for i, tile in enumerate(tiles):
                row[:, i * (size + gap):i * (size + gap) + size] = tile
            rows.append(row)
            rows.append(np.full((gap, row.shape[1], 3), 255, np.uint8))
    grid = np.concatenate(rows[:-1], 0)
    return np.repeat(np.repeat(grid, scale, 0), scale, 1)


def main(argv=None):
    args = parse_args(argv)
    prepare_dirs(args.out, args.overwrite)  # before the slow imports: errors stay one line
    import cv2
    import numpy as np
    from mmengine.utils import ProgressBar

    toy = load_renderer()
    TOY_FACE_CLASSES, TOY_FACE_PALETTE = toy.TOY_FACE_CLASSES, toy.TOY_FACE_PALETTE
    render_toy_face = toy.render_toy_face
    num_classes = len(TOY_FACE_CLASSES)
    palette = np.array(TOY_FACE_PALETTE, dtype=np.uint8)
    counts = dict(train=args.num_train, val=args.num_val)
    offsets = dict(train=0, val=VAL_INDEX_OFFSET)
    digits = max(6, len(str(max(counts.values()) - 1)))
    stats = dict(
        size=args.size,
        seed=args.seed,
        classes=list(TOY_FACE_CLASSES),
        palette=TOY_FACE_PALETTE,
        splits={})
    first = ([], [])
    for split in SPLITS:
        n = counts[split]
        pixels = np.zeros(num_classes, np.int64)
        present = np.zeros(num_classes, np.int64)
        print(f'{split}: {n} images of {args.size}x{args.size} -> {args.out}')
        bar = ProgressBar(n)
        step = max(1, n // 100)  # ~100 updates: keeps logs short
        for i in range(n):
            image, mask = render_toy_face(args.seed, offsets[split] + i, args.size)
            name = f'{i:0{digits}d}.png'
            ok = cv2.imwrite(osp.join(args.out, 'img_dir', split, name), image[..., ::-1])
            ok &= cv2.imwrite(osp.join(args.out, 'ann_dir', split, name), mask)
            if not ok:
                fail(f'could not write {split}/{name} under {args.out}')
            hist = np.bincount(mask.ravel(), minlength=num_classes)
            pixels += hist
            present += hist > 0
            if split == 'train' and i < 16:
                first[0].append(image)
                first[1].append(mask)
            if (i + 1) % step == 0 or i + 1 == n:
                bar.update(step if (i + 1) % step == 0 else (i + 1) % step)
        print()
        stats['splits'][split] = dict(
            num_images=n,
            index_offset=offsets[split],
            class_histogram={
                c: float(f)
                for c, f in zip(TOY_FACE_CLASSES, pixels / pixels.sum())
            },
            class_presence={
                c: float(f)
                for c, f in zip(TOY_FACE_CLASSES, present / n)
            })
    with open(osp.join(args.out, 'stats.json'), 'w') as f:
        json.dump(stats, f, indent=2)
    grid = preview_grid(first[0], first[1], palette)
    cv2.imwrite(osp.join(args.out, 'preview.png'), grid[..., ::-1])
    for split in SPLITS:
        hist = stats['splits'][split]['class_histogram']
        print(f'{split} class histogram: ' + ', '.join(f'{c} {v:.3f}' for c, v in hist.items()))
    print(f'wrote {args.out}/stats.json and {args.out}/preview.png')


if __name__ == '__main__':
    main()
