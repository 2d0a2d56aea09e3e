"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--out D] [--show-dir D]``."""
import argparse
import os
import os.path as osp

from mmlinsem.cli import build_runner, config_from_args, parse_common, run_main


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dir to save per-class results (CSV) and metrics')
    parser.add_argument('--show-dir', help='dir to save overlay pictures')
    return parse_common(parser)


def main():
    args = parse_args()
    from mmlinsem.errors import MMLinsemError
    if not osp.isfile(args.checkpoint) and '://' not in args.checkpoint:
        raise MMLinsemError(f'checkpoint not found: {args.checkpoint}')
    cfg = config_from_args(args)
    cfg.load_from = args.checkpoint
    if args.out:
        evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) \
            else [cfg.test_evaluator]
        for ev in evaluators:
            ev['output_dir'] = args.out
    if args.show_dir:
        hooks = cfg.setdefault('default_hooks', {})
        overlay = hooks.get('overlay') or dict(type='mmlinsem.OverlayHook')
        hooks['overlay'] = dict(overlay, show_dir=args.show_dir)
    runner = build_runner(cfg)
    from mmlinsem.utils import HEAD_CHECKPOINT, expecting
    with expecting(HEAD_CHECKPOINT):
        metrics = runner.test()
    if args.out:
        import json
        os.makedirs(args.out, exist_ok=True)
        with open(osp.join(args.out, 'metrics.json'), 'w') as f:
            json.dump(
                {
                    k: float(v) if isinstance(v, (int, float)) else str(v)
                    for k, v in metrics.items()
                },
                f,
                indent=2)


if __name__ == '__main__':
    run_main(main)
