"""The downstream experiment of the DatasetGAN protocol on the shipped toy world, end to end
and resumable (every finished step is kept; run the same command again to continue).

    python tools/analysis/downstream.py --work-dir work_dirs/downstream \
        --shots 8,16 --num 5000 --seg-iters 2000 --out docs/en/_static/downstream

For each N: N generated samples labelled by the teacher (standing in for a user's masks)
-> a few-shot LSE -> ``tools/export_dataset.py`` (``--num`` pairs, ``--ensemble`` members,
with and without the ``--filter``) -> the same mmseg segmenter (``--seg-config``, the
teacher's own UNet + FCN recipe; only the training images differ) trained on each set
and, as the few-label baselines, on the N annotated generated images and on N rendered
(real) labelled faces; two rows without annotations place the labeller: the same export
labelled by the teacher itself (a perfect labeller of generated images: the ceiling of
the synthetic route, what is left is the gap between generated and rendered faces) and by
a fully trained LSE (``--full-lse-config``, the main job); every segmenter, and the shipped
teacher as the upper bound, judged
by mmseg's ``IoUMetric`` (background included) on ``--num-eval`` rendered faces of world
seed ``--eval-seed`` that no model has seen. Writes ``OUT/downstream.json``,
``OUT/downstream_table.md``, ``OUT/curves.png`` (val mIoU of each segmenter on the
evaluation faces against iterations; the table reports the *last* iteration, no checkpoint
is picked on them) and ``OUT/predictions.png``. ``--jobs`` steps run at once, each with
``--threads`` threads.
"""
import argparse
import json
import os
import os.path as osp
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

from mmlinsem.cli import fewshot_iters, fewshot_train_options, run_main, run_tool_checked
from mmlinsem.utils import REPO_ROOT as ROOT


def parse_args():
    p = argparse.ArgumentParser(description='synthetic-data segmenter vs few-label baselines')
    p.add_argument('--work-dir', default='work_dirs/downstream')
    p.add_argument('--out', default='work_dirs/downstream/results')
    p.add_argument('--shots', default='8,16', help='annotated set sizes N, comma-separated')
    p.add_argument('--num', type=int, default=5000, help='exported pairs per N')
    p.add_argument('--ensemble', type=int, default=5)
    p.add_argument('--filter', type=float, default=0.1)
    p.add_argument('--ce-steps', type=int, default=20)
    p.add_argument('--annotation-seed', type=int, default=1116)
    p.add_argument(
        '--fewshot-samples',
        type=int,
        default=50 * 128,
        help='few-shot LSE budget (samples; the config\'s 50 x 128)')
    p.add_argument('--export-seed', type=int, default=0)
    p.add_argument(
        '--fewshot-val', type=int, default=1000, help='generated samples judging the LSE')
    p.add_argument(
        '--fewshot-config', default='configs/fewshot/lse-fewshot_stylegan2lite-toyfaces64.py')
    p.add_argument('--seg-config', default='configs/toyworld/unet_toyfaces64.py')
    p.add_argument('--teacher', default='checkpoints/unet_toyfaces64.pth')
    p.add_argument('--seg-iters', type=int, default=2000)
    p.add_argument('--seg-batch-size', type=int, default=16)
    p.add_argument('--val-interval', type=int, default=500)
    p.add_argument('--eval-seed', type=int, default=2026)
    p.add_argument('--num-eval', type=int, default=1000)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--jobs', type=int, default=2)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--no-unfiltered', action='store_true', help='skip the unfiltered sets')
    p.add_argument(
        '--no-ceiling',
        action='store_true',
        help='skip the row of generated images labelled by the teacher itself')
    p.add_argument(
        '--full-lse-config',
        default='configs/lse/lse-closedform-sgd_stylegan2lite-toyfaces64.py',
        help="the fully trained LSE labeller's row (the main job's config; '' skips it)")
    p.add_argument('--full-lse-iters', type=int, help="its iterations (default: the config's)")
    return p.parse_args()


class Steps:
    """Named steps that run once: a step is done when its marker file exists."""

    def __init__(self, work_dir, threads):
        self.done_dir = osp.join(work_dir, '.done')
        self.log_dir = osp.join(work_dir, 'logs')
        os.makedirs(self.done_dir, exist_ok=True)
        os.makedirs(self.log_dir, exist_ok=True)
        self.env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))

    def done(self, name):
        return osp.exists(osp.join(self.done_dir, name))

    def mark(self, name, seconds):
        with open(osp.join(self.done_dir, name), 'w') as f:
            f.write(f'{seconds:.1f}\n')

    def elapsed(self, name):
        with open(osp.join(self.done_dir, name)) as f:
            return float(f.read())

    def run(self, name, *commands):
        """Run the commands (argument lists, or callables) one after another, once."""
        if self.done(name):
            return
        start = time.time()
        log = osp.join(self.log_dir, name + '.log')
        print(f'[{time.strftime("%H:%M:%S")}] {name}: started (log {log})', flush=True)
        for cmd in commands:
            if callable(cmd):
                cmd()
            else:
                run_tool_checked(cmd, log=log, env=self.env, cwd=ROOT)
        self.mark(name, time.time() - start)
        print(
            f'[{time.strftime("%H:%M:%S")}] {name}: done in {time.time() - start:.0f} s',
            flush=True)

    def run_tool_later(self, name, make_cmd):
        """Run, once, a tool whose argument list names an earlier step's output, so that it
        is built (``make_cmd()``) only when the step starts."""
        log = osp.join(self.log_dir, name + '.log')
        self.run(name, lambda: run_tool_checked(make_cmd(), log=log, env=self.env, cwd=ROOT))


def last_checkpoint(work_dir):
    """The checkpoint named by mmengine's ``last_checkpoint`` file of a run."""
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def copy_subset(src, dst, num):
    """The first ``num`` training images (and labels) of an mmseg-layout folder."""
    for sub in ('img_dir/train', 'ann_dir/train'):
        names = sorted(os.listdir(osp.join(src, sub)))[:num]
        os.makedirs(osp.join(dst, sub), exist_ok=True)
        for n in names:
            shutil.copyfile(osp.join(src, sub, n), osp.join(dst, sub, n))


def unfiltered_copy(src, dst):
    """``dst``: the export ``src`` with every image kept (the filter undone)."""
    from mmlinsem.apis.synthesis import finalize_export
    tmp = dst + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    finalize_export(tmp, 0.0)
    shutil.rmtree(dst, ignore_errors=True)
    os.replace(tmp, dst)


def class_shares(folder, num_classes):
    """Pixel share (%) of each class over ``folder/ann_dir/train``."""
    import numpy as np
    from PIL import Image

    from mmlinsem.datasets import class_histogram
    sub = osp.join(folder, 'ann_dir', 'train')
    freq = class_histogram(
        (np.array(Image.open(osp.join(sub, n))) for n in sorted(os.listdir(sub))), num_classes)
    return [round(float(f) * 100, 2) for f in freq]


def seg_train_cmd(args, data_root, eval_root, work_dir):
    iters, every = args.seg_iters, args.val_interval
    return [
        'tools/train.py', args.seg_config, '--work-dir', work_dir, '--resume', '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={eval_root}',
        f'test_dataloader.dataset.data_root={eval_root}', f'train_cfg.max_iters={iters}',
        f'train_cfg.val_interval={every}', f'param_scheduler.1.end={iters}',
        f'train_dataloader.batch_size={args.seg_batch_size}',
        f'default_hooks.checkpoint.interval={every}', 'default_hooks.checkpoint.save_best=None',
        'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False'
    ]


def fewshot_cmds(args, n, ann, lse):
    return [
        [
            'tools/make_fewshot_set.py', args.fewshot_config, '--num',
            str(n), '--seed',
            str(args.annotation_seed), '--out', ann, '--seg-layout'
        ],
        [
            'tools/train.py', args.fewshot_config, '--work-dir', lse, '--cfg-options',
            *fewshot_train_options(ann, n, args.fewshot_samples),
            f'val_dataloader.dataset.num_samples={args.fewshot_val}'
        ],
    ], fewshot_iters(n, args.fewshot_samples)


def export_cmd(args, lse_ckpt, ann, out):
    return [
        'tools/export_dataset.py', args.fewshot_config, lse_ckpt, '--num',
        str(args.num), '--out', out, '--ensemble',
        str(args.ensemble), '--annotations', ann, '--ce-steps',
        str(args.ce_steps), '--filter',
        str(args.filter), '--batch-size', '16', '--seed',
        str(args.export_seed), '--resume', '--no-progress'
    ]


def labeller_export_cmd(args, config, labels, out):
    """Export ``--num`` pairs labelled by one head checkpoint, or ``--teacher-labels``."""
    return [
        'tools/export_dataset.py', config, *labels, '--num',
        str(args.num), '--out', out, '--batch-size', '16', '--seed',
        str(args.export_seed), '--resume', '--no-progress'
    ]


def full_lse_cmd(args, work_dir):
    iters = [] if args.full_lse_iters is None else [
        f'train_cfg.max_iters={args.full_lse_iters}',
        f'default_hooks.checkpoint.interval={args.full_lse_iters}'
    ]
    return [
        'tools/train.py', args.full_lse_config, '--work-dir', work_dir, '--cfg-options',
        'val_dataloader=None', 'val_cfg=None', 'val_evaluator=None', *iters
    ]


def curves_figure(args, runs, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmlinsem.analysis import read_scalars, scalar_series
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, wd in runs.items():
        val = scalar_series(read_scalars(wd), 'mIoU')
        if val:
            ax.plot(*zip(*val), 'o-', label=name)
    ax.set(xlabel='iteration', ylabel=f'mIoU (%) on the {args.num_eval} rendered faces')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


#: the picture's column name of each kind of segmenter key (``synth8`` -> 'synthetic, filter')
COLUMN_NAMES = dict(
    synth='synthetic, filter',
    nofilter='synthetic, no filter',
    gen='{n} generated',
    real='{n} rendered',
    teacher='teacher')


def column_header(key: str) -> str:
    kind, n = re.fullmatch(r'([a-z_]+?)(\d*)', key).groups()
    return COLUMN_NAMES.get(kind, key).format(n=n)


def predictions_figure(eval_root, results, classes, path, num=6):
    import numpy as np
    from PIL import Image

    from mmlinsem.utils import write_png
    from mmlinsem.visualization import auto_scale, colorize, default_palette, labelled_grid
    palette = default_palette(len(classes))  # the palette of every other figure
    names = results['teacher']['names'][:num]
    rows = []
    for i, name in enumerate(names):
        img = np.array(Image.open(osp.join(eval_root, 'img_dir', 'val', name + '.png')))
        gt = np.array(Image.open(osp.join(eval_root, 'ann_dir', 'val', name + '.png')))
        row = [img[..., :3], colorize(gt, palette)]
        row += [colorize(r['predictions'][i], palette) for r in results.values()]
        rows.append(row)
    headers = ['image', 'truth'] + [column_header(k) for k in results]
    scale = auto_scale(rows[0][0].shape[0], 192)
    write_png(path, labelled_grid(rows, headers, classes, palette, scale=scale))


def table_markdown(rows, classes):
    head = ('| segmenter trained on | train images | mIoU | % of teacher | ' + ' | '.join(classes) +
            ' |')
    lines = [head, '|' + '---|' * (4 + len(classes))]
    teacher = rows[-1]['mIoU']
    for r in rows:
        cells = ['–' if r['per_class'][c] is None else f"{r['per_class'][c]:.1f}" for c in classes]
        lines.append(f"| {r['name']} | {r['train_images']:,} | {r['mIoU']:.2f} | "
                     f"{100 * r['mIoU'] / teacher:.1f} | " + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def main():
    args = parse_args()
    from mmengine.config import Config

    from mmlinsem.analysis import last_scalar
    from mmlinsem.apis.synthesis import read_meta
    from mmlinsem.datasets import TOY_FACE_CLASSES
    from mmlinsem.errors import MMLinsemError
    from mmlinsem.evaluation import evaluate_segmenter
    shots = [int(s) for s in args.shots.split(',') if s.strip()]
    if not shots or min(shots) < 1:
        raise MMLinsemError(f'--shots must be positive integers, got {args.shots!r}')
    if args.seg_iters % args.val_interval:
        raise MMLinsemError(f'--seg-iters ({args.seg_iters}) must be a multiple of '
                            f'--val-interval ({args.val_interval})')
    cfg = Config.fromfile(osp.join(ROOT, args.seg_config))
    warmup = max([int(s.get('end', 0)) for s in cfg.param_scheduler[:-1]] + [0])
    if args.seg_iters <= warmup:
        raise MMLinsemError(f'--seg-iters must exceed the {warmup}-iteration warm-up of '
                            f'{args.seg_config}, got {args.seg_iters}')
    wd = osp.abspath(args.work_dir)
    os.makedirs(args.out, exist_ok=True)
    steps = Steps(wd, args.threads)
    real = osp.join(wd, 'real')
    p = lambda *a: osp.join(wd, *a)  # noqa: E731

    # 1. the data: rendered faces (N labelled for the baseline + the evaluation faces),
    # and per N the annotated set, its few-shot LSE and the export
    def real_sets():
        steps.run('real', [
            'tools/make_toy_dataset.py', '--out', real, '--num-train',
            str(max(shots)), '--num-val',
            str(args.num_eval), '--size',
            str(args.size), '--seed',
            str(args.eval_seed)
        ])
        for n in shots:
            steps.run(f'real{n}', lambda n=n: copy_subset(real, p(f'real{n}'), n))

    def synthetic(n):
        cmds, iters = fewshot_cmds(args, n, p(f'ann{n}'), p(f'lse{n}'))
        steps.run(f'fewshot{n}', *cmds)
        steps.run(f'export{n}',
                  export_cmd(args, p(f'lse{n}', f'iter_{iters}.pth'), p(f'ann{n}'), p(f'synth{n}')))
        if not args.no_unfiltered:
            steps.run(f'unfiltered{n}',
                      lambda: unfiltered_copy(p(f'synth{n}'), p(f'synth{n}_nofilter')))

    def ceiling():  # a perfect labeller of generated images: the teacher itself
        steps.run(
            'export_teacher',
            labeller_export_cmd(args, args.fewshot_config, ['--teacher-labels'],
                                p('synth_teacher')))

    def full_lse():  # the LSE trained on the teacher's labels of unlimited samples
        steps.run('full_lse', full_lse_cmd(args, p('full_lse')))
        steps.run_tool_later(
            'test_full_lse', lambda: [
                'tools/test.py', args.full_lse_config,
                last_checkpoint(p('full_lse')), '--work-dir',
                p('full_lse', 'test'), '--out',
                p('full_lse', 'test')
            ])
        steps.run_tool_later(
            'export_full_lse', lambda: labeller_export_cmd(
                args, args.full_lse_config, [last_checkpoint(p('full_lse'))], p('synth_full_lse')))

    jobs = [real_sets] + [lambda n=n: synthetic(n) for n in shots]
    jobs += [] if args.no_ceiling else [ceiling]
    jobs += [full_lse] if args.full_lse_config else []
    with ThreadPoolExecutor(args.jobs) as pool:
        for f in [pool.submit(job) for job in jobs]:
            f.result()

    # 2. the segmenters, all with the same recipe
    sets = []  # (key, label, training folder)
    for n in shots:
        sets.append((f'synth{n}', f'synthetic, {args.filter:g} filter (N={n})', p(f'synth{n}')))
        if not args.no_unfiltered:
            sets.append((f'nofilter{n}', f'synthetic, no filter (N={n})', p(f'synth{n}_nofilter')))
        sets.append((f'gen{n}', f'the {n} annotated generated images', p(f'ann{n}')))
        sets.append((f'real{n}', f'{n} rendered (real) labelled faces', p(f'real{n}')))
    if not args.no_ceiling:
        sets.append(('synth_teacher', 'synthetic, teacher labels (no annotation; the ceiling)',
                     p('synth_teacher')))
    if args.full_lse_config:
        sets.append(('synth_full_lse', 'synthetic, fully trained LSE labels (no annotation)',
                     p('synth_full_lse')))
    runs = {key: p('seg_' + key) for key, _, _ in sets}

    def train(key, root):
        steps.run('seg_' + key, seg_train_cmd(args, root, real, runs[key]))

    with ThreadPoolExecutor(args.jobs) as pool:
        for f in [pool.submit(train, key, root) for key, _, root in sets]:
            f.result()

    # 3. every segmenter and the teacher on the evaluation faces
    results, rows = {}, []
    teacher = ('teacher', 'shipped teacher (10k rendered faces, 4,000 iterations)', None)
    for key, label, root in sets + [teacher]:
        ckpt = osp.join(ROOT, args.teacher) if root is None else osp.join(
            runs[key], f'iter_{args.seg_iters}.pth')
        res = evaluate_segmenter(cfg, ckpt, real, split='val', keep_predictions=6)
        results[key] = res
        row = dict(
            key=key, name=label, mIoU=res['mIoU'], aAcc=res['aAcc'], per_class=res['per_class'])
        if root is None:
            row['train_images'] = 10000
        else:
            row['train_images'] = len(os.listdir(osp.join(root, 'img_dir', 'train')))
            row['train_label_share'] = dict(
                zip(TOY_FACE_CLASSES, class_shares(root, len(TOY_FACE_CLASSES))))
            row['seconds'] = steps.elapsed('seg_' + key)
        rows.append(row)
        print(f'{label}: mIoU {res["mIoU"]:.2f}', flush=True)
    exports = {}
    for n in shots:
        meta = read_meta(p(f'synth{n}'))
        exports[n] = dict(
            fewshot_lse_miou=last_scalar(p(f'lse{n}'), 'mIoU'),
            total=len(meta),
            kept=sum(1 for m in meta.values() if m.get('kept', True)),
            seconds=steps.elapsed(f'export{n}'),
            fewshot_seconds=steps.elapsed(f'fewshot{n}'))
    labellers = {}
    if args.full_lse_config:
        labellers['full_lse'] = dict(
            checkpoint=osp.relpath(last_checkpoint(p('full_lse')), wd),
            mIoU=json.load(open(p('full_lse', 'test', 'metrics.json'))).get('mIoU'),
            seconds=steps.elapsed('full_lse'),
            export_seconds=steps.elapsed('export_full_lse'))
    if not args.no_ceiling:
        labellers['teacher'] = dict(export_seconds=steps.elapsed('export_teacher'))
    summary = dict(
        settings=vars(args),
        exports=exports,
        labellers=labellers,
        real_label_share=dict(
            zip(TOY_FACE_CLASSES, class_shares(p(f'real{max(shots)}'), len(TOY_FACE_CLASSES)))),
        rows=rows)
    with open(osp.join(args.out, 'downstream.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    with open(osp.join(args.out, 'downstream_table.md'), 'w') as f:
        f.write(table_markdown(rows, TOY_FACE_CLASSES))
    curves_figure(args, runs, osp.join(args.out, 'curves.png'))
    n = min(shots)  # the picture: the smallest N's segmenters and the teacher
    shown = {k: v for k, v in results.items() if re.fullmatch(f'[a-z]+{n}|teacher', k)}
    predictions_figure(real, shown, TOY_FACE_CLASSES, osp.join(args.out, 'predictions.png'))
    print(open(osp.join(args.out, 'downstream_table.md')).read())


if __name__ == '__main__':
    run_main(main)
