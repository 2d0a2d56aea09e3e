"""Train any mmlinsem job: ``python tools/train.py CONFIG [--work-dir D] [--resume]``."""
import argparse
import os
import os.path as osp

from _common import adapt_launcher, build_runner, check_amp, load_config, run_main


def parse_args():
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Train a model (mmlinsem / mmseg / mmagic)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--resume', action='store_true', default=False,
                        help='resume from the latest checkpoint in the work_dir')
    parser.add_argument('--amp', action='store_true', default=False,
                        help='enable automatic-mixed-precision training (GPU)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. train_cfg.max_iters=100')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    adapt_launcher(cfg, args.launcher)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        check_amp()
        if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper':
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    cfg.resume = args.resume
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    run_main(main)
