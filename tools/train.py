"""Train any mmlinsem job: ``python tools/train.py CONFIG [--work-dir D] [--resume]``."""
import argparse

from mmlinsem.utils import build_runner, check_amp, config_from_args, parse_common, run_main


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model (mmlinsem / mmseg / mmagic)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training (GPU)')
    return parse_common(parser)


def main():
    args = parse_args()
    cfg = config_from_args(args)
    if args.amp:
        check_amp()
        if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper':
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    cfg.resume = args.resume
    if args.resume and cfg.get('load_from') is None:
        from mmengine.runner import find_latest_checkpoint
        if find_latest_checkpoint(cfg.work_dir) is None:  # else mmengine logs "... None"
            print(
                f'no checkpoint to resume from in {cfg.work_dir}: training from the start',
                flush=True)
            cfg.resume = False
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    run_main(main)
