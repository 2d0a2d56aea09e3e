"""Layer-wise semantics of a trained LSE (paper Fig. 10): each layer's own segmentation.

    python tools/analysis/layerwise.py CONFIG CHECKPOINT [--num-samples 500] [--out DIR]

Train the head with ``model.head.aux_loss_weight=0.1`` (per-layer losses) for meaningful
per-layer maps. Writes ``layerwise_grid.png`` (rows: samples; image | teacher | layer 0..L-1
| fused), ``layerwise_miou.png`` (mIoU per layer) and ``layerwise.json``.
"""
import argparse
import json
import os
import os.path as osp

from mmlinsem.cli import run_main


def parse_args():
    p = argparse.ArgumentParser(description='layer-wise semantics')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--num-samples', type=int, default=500)
    p.add_argument('--num-rows', type=int, default=6)
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', default='work_dirs/analysis/layerwise')
    return p.parse_args()


def main():
    args = parse_args()
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmlinsem.analysis import layerwise_miou, layerwise_predictions
    from mmlinsem.apis import LinSemInferencer
    from mmlinsem.utils import write_png
    from mmlinsem.visualization import colorize, default_palette, grid, img_to_uint8
    inf = LinSemInferencer(args.config, args.checkpoint, device=args.device)
    res = layerwise_miou(inf.model, args.num_samples)
    res['layers_names'] = list(inf.model.generator.layer_names)
    pal = default_palette(len(inf.classes))
    img, labels, per_layer, final = layerwise_predictions(inf.model, inf.latents(99, args.num_rows))
    rows = []
    for i in range(len(img)):
        rows.append([img_to_uint8(img[i]).cpu().numpy(),
                     colorize(labels[i].cpu().numpy(), pal)] +
                    [colorize(m[i].cpu().numpy(), pal)
                     for m in per_layer] + [colorize(final[i].cpu().numpy(), pal)])
    os.makedirs(args.out, exist_ok=True)
    write_png(osp.join(args.out, 'layerwise_grid.png'), grid(rows, scale=2))
    with open(osp.join(args.out, 'layerwise.json'), 'w') as f:
        json.dump(res, f, indent=2)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(len(res['layers'])), res['layers'], 'o-', label='layer alone')
    ax.axhline(res['final'], color='k', ls='--', label='fused LSE')
    ax.set_xlabel('layer')
    ax.set_ylabel('mIoU (%)')
    ax.set_xticks(range(len(res['layers'])), res['layers_names'], rotation=60, fontsize=7)
    ax.legend()
    fig.tight_layout()
    fig.savefig(osp.join(args.out, 'layerwise_miou.png'), dpi=120)
    print('per-layer mIoU: ' + ', '.join(f'{v:.1f}' for v in res['layers']) +
          f"; fused {res['final']:.1f}; {args.out}")


if __name__ == '__main__':
    run_main(main)
