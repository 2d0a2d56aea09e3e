"""Train any mmlinsem job: ``python tools/train.py CONFIG [--work-dir D] [--resume]``."""
import argparse
import os.path as osp

from mmlinsem.cli import build_runner, check_amp, config_from_args, parse_common, run_main


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


def newest_checkpoint(work_dir, pointed):
    """The checkpoint to resume from: the newer of ``last_checkpoint``'s target (``pointed``)
    and the highest ``iter_N.pth`` in ``work_dir``. A run killed between writing
    ``iter_N.pth`` (atomically) and updating ``last_checkpoint`` resumes from ``iter_N``."""
    import glob
    import re

    def iteration(path):
        m = re.fullmatch(r'iter_(\d+)\.pth', osp.basename(path or ''))
        return int(m.group(1)) if m else -1

    found = glob.glob(osp.join(work_dir, 'iter_*.pth'))
    best = max(found, key=iteration) if found else None
    if pointed is None or (best is not None and iteration(best) > iteration(pointed)):
        return best
    return pointed


def main():
    args = parse_args()
    from mmlinsem.errors import MMLinsemError
    cfg = config_from_args(args)
    from mmlinsem.engine import check_cfg_lr
    check_cfg_lr(cfg)  # a NaN / inf / absurd lr is refused before anything is built
    if args.amp:
        check_amp()
        if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper':
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    cfg.resume = args.resume
    from mmlinsem.utils import HEAD_CHECKPOINT, TRAIN_CHECKPOINT, expecting, read_checkpoint
    resume_from = cfg.get('load_from') if args.resume else None
    if args.resume and resume_from is None:
        from mmengine.runner import find_latest_checkpoint
        resume_from = newest_checkpoint(cfg.work_dir, find_latest_checkpoint(cfg.work_dir))
        if resume_from is not None:
            cfg.load_from = resume_from
        else:  # else mmengine logs "... None"
            print(
                f'no checkpoint to resume from in {cfg.work_dir}: training from the start',
                flush=True)
            cfg.resume = False
    if resume_from is not None and '://' not in resume_from:
        # a resumed run needs the loop state too: refuse a bare state dict up front
        if not osp.isfile(resume_from):
            raise MMLinsemError(f'checkpoint to resume from not found: {resume_from}')
        meta = read_checkpoint(resume_from, expected=TRAIN_CHECKPOINT).get('meta')
        if not isinstance(meta, dict) or 'iter' not in meta:
            raise MMLinsemError(f'{resume_from} has no training state (meta.iter) to resume '
                                f'from; expected {TRAIN_CHECKPOINT}')
    runner = build_runner(cfg)
    with expecting(TRAIN_CHECKPOINT if cfg.resume else HEAD_CHECKPOINT):
        runner.train()


if __name__ == '__main__':
    run_main(main)
