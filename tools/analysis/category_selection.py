"""Category selection (paper Appx. E): train extractors on the teacher's full class list,
keep every class whose IoU exceeds a threshold for any of them, write the class list.

    python tools/analysis/category_selection.py --configs LSE_CFG NSE1_CFG NSE2_CFG
        --work-dir DIR [--threshold 0.1] [--name my_gan] [--cfg-options k=v ...]
    python tools/analysis/category_selection.py --results DIR1 DIR2 DIR3 ...   # reuse runs

Each config is trained (``tools/train.py``) and tested (``tools/test.py --out``); with
``--results`` the ``per_class_iou.csv`` files of earlier ``tools/test.py --out`` runs are
used. Writes ``selected_labels.json`` ({name: [classes]}, the format of
``mmlinsem/data/selected_labels.json``, usable as ``SelectLabelMap(classes=...)``) and a
Markdown table of the per-class IoUs.
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.cli import run_main, run_tool_checked


def parse_args():
    p = argparse.ArgumentParser(description='category selection')
    p.add_argument('--configs', nargs='*', default=[])
    p.add_argument('--results', nargs='*', default=[], help='folders with per_class_iou.csv')
    p.add_argument('--work-dir', default='work_dirs/category_selection')
    p.add_argument('--threshold', type=float, default=0.1, help='IoU fraction (paper: 0.1)')
    p.add_argument('--name', default='selected')
    p.add_argument('--cfg-options', nargs='*', default=[])
    return p.parse_args()


def main():
    args = parse_args()
    from mmlinsem.analysis import markdown_table, read_per_class_iou, select_categories
    from mmlinsem.errors import MMLinsemError
    result_dirs = [(osp.basename(osp.normpath(d)), d) for d in args.results]
    for cfg in args.configs:
        name = osp.splitext(osp.basename(cfg))[0]
        wd = osp.join(args.work_dir, name)
        run_tool_checked(
            ['tools/train.py', cfg, '--work-dir', wd, '--cfg-options', *args.cfg_options] if args.
            cfg_options else ['tools/train.py', cfg, '--work-dir', wd])
        ckpt = open(osp.join(wd, 'last_checkpoint')).read().strip()
        out = osp.join(wd, 'per_class')
        cmd = ['tools/test.py', cfg, ckpt, '--work-dir', osp.join(wd, 'test'), '--out', out]
        run_tool_checked(cmd + (['--cfg-options', *args.cfg_options] if args.cfg_options else []))
        result_dirs.append((name, out))
    if not result_dirs:
        raise MMLinsemError('give --configs to train or --results folders to read')
    results, names = [], []
    for name, d in result_dirs:
        path = osp.join(d, 'per_class_iou.csv')
        if not osp.isfile(path):
            raise MMLinsemError(f'no per_class_iou.csv in {d} (run tools/test.py --out {d})')
        results.append(read_per_class_iou(path))
        names.append(name)
    order = list(results[0])
    selected = select_categories(results, args.threshold, order)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'selected_labels.json'), 'w') as f:
        json.dump({args.name: selected}, f, indent=2)
    table = markdown_table(names, results, selected)
    with open(osp.join(args.work_dir, 'category_selection.md'), 'w') as f:
        f.write(table)
    print(table)
    print(f'kept {len(selected)}/{len(order)} classes (IoU > {args.threshold}) -> '
          f"{osp.join(args.work_dir, 'selected_labels.json')}")


if __name__ == '__main__':
    run_main(main)
