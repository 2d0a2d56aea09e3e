"""Logits at the label size against logits at the largest feature size, FFHQ-1024 shapes.

Random features with the 17 StyleGAN2-1024 layer shapes (mmagic's channels, 4 to 1024 px)
and a random 512 x 512 label map with 15 classes (the face teacher's output size and the
paper's face classes). Timed: the head's forward without grad (test time), and one training
step = head forward + cross-entropy + backward + Adam, each along two paths:

* ``old``: the head builds its logits at the largest feature size (1024 x 1024) and they
  are resized to the label size afterwards (the path before issue 11 item 3);
* ``new``: ``head(feats, size=labels.shape[-2:])``, every resolution group resized
  straight to 512 x 512 (as the original LinearGAN).

Each (head, path) runs in its own process (so the peak memory is its own). Reported: median
times over ``--repeats`` runs after one warm-up, and the growth of the peak RSS (CUDA:
``max_memory_allocated``) over the features and weights, first after the forwards, then
after the training steps. Prints a table and writes JSON.

    python benchmarks/head_output_size.py [--threads 1] [--repeats 2] [--heads lse,nse1]
        [--device cpu|cuda] [--out benchmarks/results/head_output_size.json]
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

from child_run import run_child
from head_memory import peak_mb

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# StyleGAN2-1024: conv1 at 4 px, then two convs per resolution 8..1024 (mmagic's channels).
CHANNELS = {8: 512, 16: 512, 32: 512, 64: 512, 128: 256, 256: 128, 512: 64, 1024: 32}
SHAPES = [(512, 4)] + [(c, r) for r, c in CHANNELS.items() for _ in range(2)]
LABEL_SIZE = 512
NUM_CLASSES = 15
HEADS = dict(lse='LSEHead', nse1='NSE1Head', linear_mlp='LinearMLPHead')


def run_case(head_name, path, repeats, threads, device='cpu'):
    import torch
    import torch.nn.functional as F

    from mmlinsem.models import upsample
    from mmlinsem.registry import MODELS
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    head = MODELS.build(
        dict(type=HEADS[head_name], in_channels=[c for c, _ in SHAPES],
             num_classes=NUM_CLASSES)).to(device)
    opt = torch.optim.Adam(head.parameters(), lr=1e-3)
    feats = [torch.randn(1, c, r, r, device=device) for c, r in SHAPES]
    labels = torch.randint(0, NUM_CLASSES, (1, LABEL_SIZE, LABEL_SIZE), device=device)
    size = tuple(labels.shape[-2:])

    def logits():
        if path == 'old':
            return upsample(head(feats), size)  # default size: the largest feature map
        return head(feats, size=size)

    def forward():
        with torch.no_grad():
            logits()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(logits(), labels)
        loss.backward()
        opt.step()

    def median_s(fn):
        fn()  # warm-up (Adam state, allocator)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            peak_mb(device)  # synchronises CUDA
            times.append(time.perf_counter() - t0)
        return sorted(times)[len(times) // 2]

    base = peak_mb(device)
    forward_s = median_s(forward)
    forward_peak = peak_mb(device) - base  # the peak only grows: forwards first
    step_s = median_s(step)
    return dict(
        head=head_name,
        path=path,
        forward_s=forward_s,
        forward_peak_extra_mb=forward_peak,
        step_s=step_s,
        peak_extra_mb=peak_mb(device) - base)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--heads', default='lse,nse1,linear_mlp')
    p.add_argument('--device', default='cpu', help='cpu or cuda')
    p.add_argument(
        '--out', default=osp.join(ROOT, 'benchmarks', 'results', 'head_output_size.json'))
    p.add_argument('--_child', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args._child:
        head_name, path = args._child.split(':')
        print(json.dumps(run_case(head_name, path, args.repeats, args.threads, args.device)))
        return
    results = []
    for head_name in args.heads.split(','):
        for path in ('old', 'new'):
            results.append(
                run_child(__file__, f'{head_name}:{path}', args.repeats, args.threads, args.device))
            r = results[-1]
            print(
                f'{head_name:<11} {path}  forward {r["forward_s"]:.3f} s, peak '
                f'+{r["forward_peak_extra_mb"]:.0f} MB   train step {r["step_s"]:.3f} s, '
                f'peak +{r["peak_extra_mb"]:.0f} MB',
                flush=True)
    mem = 'RSS' if args.device == 'cpu' else 'CUDA'
    print(f'\n| head | forward (s), old / new | peak extra {mem} (MB), old / new | '
          f'train step (s), old / new | peak extra {mem} (MB), old / new |\n'
          '|---|---|---|---|---|')
    for head_name in args.heads.split(','):
        old, new = (
            next(r for r in results if r['head'] == head_name and r['path'] == p)
            for p in ('old', 'new'))
        print(f"| {head_name} | {old['forward_s']:.3f} / {new['forward_s']:.3f} | "
              f"{old['forward_peak_extra_mb']:.0f} / {new['forward_peak_extra_mb']:.0f} | "
              f"{old['step_s']:.3f} / {new['step_s']:.3f} | "
              f"{old['peak_extra_mb']:.0f} / {new['peak_extra_mb']:.0f} |")
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(
            dict(
                shapes=SHAPES,
                label_size=LABEL_SIZE,
                num_classes=NUM_CLASSES,
                threads=args.threads,
                device=args.device,
                repeats=args.repeats,
                command=' '.join(['python', 'benchmarks/head_output_size.py'] + sys.argv[1:]),
                results=results),
            f,
            indent=2)
    print(f'written {args.out}')


if __name__ == '__main__':
    main()
