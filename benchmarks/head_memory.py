"""P2: semantic heads against a DatasetGAN-style head at StyleGAN2-256 feature shapes.

Each variant runs in its own process (so peak memory is its own): random features with the
13 StyleGAN2-256 layer shapes (5,376 channels), one training step = forward + backward +
Adam on a random 256x256 label map. Reported: median step time over ``--repeats`` steps
after one warm-up, and the growth of the process's peak RSS during the steps (features and
weights allocated before). With ``--device cuda`` the memory figure is the growth of
``torch.cuda.max_memory_allocated`` instead, and step times are synchronised. Prints a table
and writes JSON.

    python benchmarks/head_memory.py [--threads 1] [--repeats 3] [--device cpu|cuda]
        [--out benchmarks/results/head_memory.json]
"""
import argparse
import json
import os
import os.path as osp
import resource
import time

from child_run import run_child

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# StyleGAN2-256: conv1 at 4 px, then two convs per resolution 8..256 (channels: mmagic's).
SHAPES = [(512, 4)] + [
    (c, r) for r, c in [(8, 512), (16, 512), (32, 512), (64, 512), (128, 256), (256, 128)]
    for _ in range(2)
]
NUM_CLASSES = 17
VARIANTS = ('datasetgan_mlp', 'lse_per_layer_upsample', 'lse', 'linear_mlp')


def build(variant):
    import torch
    import torch.nn.functional as F
    from torch import nn
    chans = [c for c, _ in SHAPES]
    if variant == 'lse':
        from mmlinsem.models import LSEHead
        return LSEHead(chans, NUM_CLASSES)
    if variant == 'linear_mlp':
        from mmlinsem.models import LinearMLPHead
        return LinearMLPHead(chans, NUM_CLASSES)

    if variant == 'lse_per_layer_upsample':

        class PlainLSE(nn.Module):
            """The straightforward LSE: every layer's logits upsampled on their own."""

            def __init__(self):
                super().__init__()
                self.convs = nn.ModuleList(nn.Conv2d(c, NUM_CLASSES, 1, bias=False) for c in chans)
                self.w = nn.Parameter(torch.ones(len(chans)))

            def forward(self, xs):
                w = F.softplus(self.w) / F.softplus(self.w).sum()
                return sum(
                    wi *
                    F.interpolate(conv(x), size=(256, 256), mode='bilinear', align_corners=True)
                    for wi, conv, x in zip(w, self.convs, xs))

        return PlainLSE()

    class DatasetGANMLP(nn.Module):
        """DatasetGAN: upsample all layers, concatenate, per-pixel MLP (128, 32)."""

        def __init__(self):
            super().__init__()
            self.mlp = nn.Sequential(
                nn.Linear(sum(chans), 128), nn.ReLU(), nn.BatchNorm1d(128), nn.Linear(128, 32),
                nn.ReLU(), nn.BatchNorm1d(32), nn.Linear(32, NUM_CLASSES))

        def forward(self, xs):
            full = torch.cat([
                F.interpolate(x, size=(256, 256), mode='bilinear', align_corners=True) for x in xs
            ], 1)
            n = full.shape[0]
            pix = full.permute(0, 2, 3, 1).reshape(-1, full.shape[1])
            return self.mlp(pix).view(n, 256, 256, NUM_CLASSES).permute(0, 3, 1, 2)

    return DatasetGANMLP()


def peak_mb(device):
    """Peak memory so far in MiB: the process's RSS (CPU) or CUDA allocations."""
    import torch
    if device == 'cpu':
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() / 2**20


def run_variant(variant, repeats, threads, device='cpu'):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    head = build(variant).to(device)
    opt = torch.optim.Adam(head.parameters(), lr=1e-3)
    feats = [torch.randn(1, c, r, r, device=device) for c, r in SHAPES]
    labels = torch.randint(0, NUM_CLASSES, (1, 256, 256), device=device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(head(feats), labels)
        loss.backward()
        opt.step()

    base = peak_mb(device)
    step()  # warm-up (Adam state, allocator)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        peak_mb(device)  # synchronises CUDA
        times.append(time.perf_counter() - t0)
    peak = peak_mb(device)
    times.sort()
    return dict(
        variant=variant,
        step_s=times[len(times) // 2],
        peak_extra_mb=peak - base,
        params=sum(p.numel() for p in head.parameters()))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--variants', default=','.join(VARIANTS))
    p.add_argument('--device', default='cpu', help='cpu or cuda')
    p.add_argument('--out', default=osp.join(ROOT, 'benchmarks', 'results', 'head_memory.json'))
    p.add_argument('--_child', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args._child:
        import mmlinsem  # noqa: F401
        print(json.dumps(run_variant(args._child, args.repeats, args.threads, args.device)))
        return
    results = []
    for v in args.variants.split(','):
        results.append(run_child(__file__, v, args.repeats, args.threads, args.device))
        print(
            f'{v:<24} step {results[-1]["step_s"]:.3f} s   '
            f'peak +{results[-1]["peak_extra_mb"]:.0f} MB',
            flush=True)
    ref = next(r for r in results if r['variant'] == 'datasetgan_mlp')
    mem = 'RSS' if args.device == 'cpu' else 'CUDA'
    print(f'\n| head | step time (s) | peak extra {mem} (MB) | time vs DatasetGAN | '
          f'memory vs DatasetGAN |\n|---|---|---|---|---|')
    for r in results:
        r['time_ratio'] = r['step_s'] / ref['step_s']
        r['memory_ratio'] = r['peak_extra_mb'] / max(ref['peak_extra_mb'], 1e-9)
        print(f"| {r['variant']} | {r['step_s']:.3f} | {r['peak_extra_mb']:.0f} | "
              f"1/{1 / r['time_ratio']:.0f} | 1/{1 / max(r['memory_ratio'], 1e-9):.0f} |")
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(
            dict(
                shapes=SHAPES,
                num_classes=NUM_CLASSES,
                threads=args.threads,
                device=args.device,
                repeats=args.repeats,
                results=results),
            f,
            indent=2)
    print(f'written {args.out}')


if __name__ == '__main__':
    main()
