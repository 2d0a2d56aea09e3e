"""Intra- vs inter-class cosine similarity of GAN features (paper Appx. F, Algorithm 1).

    python tools/analysis/cosine_similarity.py CONFIG [--t1 200] [--t2 4000]
        [--max-images 10000] [--out DIR]

Writes ``cosine_similarity.csv``, ``cosine_similarity.png`` (heat map) and a JSON with the
mean diagonal (intra-class) and off-diagonal (inter-class) similarity.
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.cli import run_main


def parse_args():
    p = argparse.ArgumentParser(description='class cosine similarity')
    p.add_argument('config')
    p.add_argument('--t1', type=int, default=200)
    p.add_argument('--t2', type=int, default=4000)
    p.add_argument('--max-images', type=int, default=10000)
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', default='work_dirs/analysis/cosine_similarity')
    return p.parse_args()


def main():
    args = parse_args()
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmlinsem.analysis import category_cosine_similarity, fair_feature_sampling
    from mmlinsem.apis import LinSemInferencer
    from mmlinsem.errors import MMLinsemError
    inf = LinSemInferencer(args.config, device=args.device)
    pools = fair_feature_sampling(inf.model, args.t1, args.t2, max_images=args.max_images)
    if len(pools) < 2:
        raise MMLinsemError(f'fewer than 2 classes reached {args.t1} pixels in an image; '
                            'lower --t1 or raise --max-images')
    classes = [inf.classes[c] for c in sorted(pools)]
    m = category_cosine_similarity(pools).numpy()
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, 'cosine_similarity.csv'), 'w') as f:
        f.write('class,' + ','.join(classes) + '\n')
        for name, row in zip(classes, m):
            f.write(name + ',' + ','.join(f'{v:.4f}' for v in row) + '\n')
    k = len(classes)
    off = (m.sum() - m.trace()) / max(k * k - k, 1)
    res = dict(
        classes=classes,
        pool_sizes={
            inf.classes[c]: int(len(v))
            for c, v in pools.items()
        },
        intra_mean=float(m.trace() / k),
        inter_mean=float(off),
        rows_with_max_on_diagonal=int((m.argmax(1) == range(k)).sum()))
    with open(osp.join(args.out, 'cosine_similarity.json'), 'w') as f:
        json.dump(res, f, indent=2)
    fig, ax = plt.subplots(figsize=(1 + 0.6 * k, 1 + 0.6 * k))
    im = ax.imshow(m, cmap='viridis')
    ax.set_xticks(range(k), classes, rotation=90)
    ax.set_yticks(range(k), classes)
    for i in range(k):
        for j in range(k):
            ax.text(
                j,
                i,
                f'{m[i, j]:.2f}',
                ha='center',
                va='center',
                fontsize=7,
                color='w' if m[i, j] < m.max() * 0.7 else 'k')
    fig.colorbar(im, ax=ax)
    ax.set_title('cosine similarity between classes')
    fig.tight_layout()
    fig.savefig(osp.join(args.out, 'cosine_similarity.png'), dpi=120)
    print(f"intra-class {res['intra_mean']:.3f} vs inter-class {res['inter_mean']:.3f}; "
          f"{res['rows_with_max_on_diagonal']}/{k} rows peak on the diagonal; {args.out}")


if __name__ == '__main__':
    run_main(main)
