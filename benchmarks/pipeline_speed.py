"""P1 (head overhead), P3 (SCS / SIE latency) and evaluation throughput.

    python benchmarks/pipeline_speed.py [--threads 2] [--repeats 3] [--skip-256]
        [--with-1024] [--device cpu|cuda] [--amp] [--loss-pixels N] [--p1-only]
        [--out benchmarks/results/pipeline_speed.json]

P1: one LSE training step (generator forward + teacher forward + head forward/backward +
Adam) divided by the generator + teacher forwards alone, on the toy-world architecture and
on a StyleGAN2-256 with an ADE20K ResNeSt-101 DeepLabV3 teacher (random weights: weights do
not change the cost); ``--with-1024`` adds StyleGAN2-1024 (FFHQ architecture) with the same
teacher; ``--loss-pixels N`` times every case also with the sampled-pixel loss
(``SemanticExtractor(loss_pixels=N)``). P3: one SCS sample and one SIE edit (50 Adam steps
each) on the toy architecture,
with ``--amp`` also under bfloat16 autocast. Throughput: images/s of evaluation (G + teacher
+ head + metric) next to the generator alone. Medians of ``--repeats`` after a warm-up (on
CUDA, synchronised); prints a table, writes JSON.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

TOY = 'configs/lse/lse_stylegan2lite-toyfaces64.py'
SG2_256 = 'configs/lse/lse_stylegan2-church256_ade.py'
SG2_1024 = 'configs/lse/lse_stylegan2-ffhq1024_face.py'
DEVICE = 'cpu'


def sync():
    import torch
    if DEVICE != 'cpu':
        torch.cuda.synchronize()


def timed(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def build(config, batch, with_ckpt=False, teacher_from=None):
    """Model of ``config`` (teacher of ``teacher_from`` if given) and a z batch on DEVICE."""
    import torch
    from mmengine.config import Config

    from mmlinsem.registry import MODELS, build_in_scope
    cfg = Config.fromfile(osp.join(ROOT, config))
    model_cfg = cfg.model.to_dict()
    if teacher_from:
        model_cfg['teacher'] = Config.fromfile(osp.join(ROOT, teacher_from)).model.teacher
        model_cfg['teacher'] = model_cfg['teacher'].to_dict()
    if not (with_ckpt and osp.isfile(osp.join(ROOT, model_cfg['generator']['checkpoint']))):
        model_cfg['generator']['checkpoint'] = None
    model_cfg['teacher']['checkpoint'] = None
    model_cfg['micro_batch'] = 0
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        model = build_in_scope(MODELS, model_cfg)
    finally:
        os.chdir(cwd)
    z = torch.randn(batch, model.generator.noise_size)
    return model.to(DEVICE), z.to(DEVICE)


def p1(config, batch, repeats, teacher_from=None, loss_pixels=0):
    import torch
    from mmengine.optim import OptimWrapper
    model, z = build(config, batch, teacher_from=teacher_from)
    model.loss_pixels = loss_pixels
    opt = OptimWrapper(torch.optim.Adam(model.head.parameters(), lr=1e-3))
    data = dict(inputs=list(z))

    def forward_only():
        with torch.no_grad():
            img, _ = model.generator(z)
            model.teacher(img)

    t_gt = timed(forward_only, repeats)
    t_step = timed(lambda: model.train_step(data, opt), repeats)
    return dict(
        config=config,
        teacher_from=teacher_from,
        batch=batch,
        gen_teacher_s=t_gt,
        train_step_s=t_step,
        overhead=t_step / t_gt,
        loss_pixels=loss_pixels)


def p3(repeats, amp=False):
    import torch

    from mmlinsem.apis import semantic_conditional_sample, semantic_image_edit
    model, z = build(TOY, 1, with_ckpt=True)
    with torch.no_grad():
        _, feats, _ = model.generate(z)
        target = model.head(feats).argmax(1)[0]
    stroke = torch.zeros(64, 64, dtype=torch.bool)
    stroke[8:24, 16:48] = True
    res = dict(config=TOY, steps=50)
    for tag, mode in [('', False)] + [('_amp', 'bfloat16')] * bool(amp):
        res['scs' + tag + '_s'] = timed(
            lambda: semantic_conditional_sample(model, target, n_init=10, steps=50, amp=mode),
            repeats)
        res['sie' + tag + '_s'] = timed(
            lambda: semantic_image_edit(model, z[0], stroke=stroke, label=2, steps=50, amp=mode),
            repeats)
    return res


def throughput(repeats, batch=16):
    import torch

    from mmlinsem.evaluation import PaperIoUMetric
    model, z = build(TOY, batch)
    model.keep_images = False
    data = dict(inputs=list(z))
    metric = PaperIoUMetric()
    metric.dataset_meta = dict(classes=model.classes)

    def evaluate():
        metric.process(data, [o.to_dict() for o in model.val_step(data)])

    def gen_only():
        with torch.no_grad():
            model.generator(z)

    return dict(
        config=TOY,
        batch=batch,
        eval_img_s=batch / timed(evaluate, repeats),
        generator_img_s=batch / timed(gen_only, repeats))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--skip-256', action='store_true', help='skip the StyleGAN2-256 P1 case')
    p.add_argument(
        '--with-1024',
        action='store_true',
        help='add the StyleGAN2-1024 P1 case (with the StyleGAN2-256 teacher)')
    p.add_argument('--device', default='cpu', help='cpu or cuda')
    p.add_argument('--amp', action='store_true', help='also time P3 under bf16 autocast')
    p.add_argument(
        '--loss-pixels',
        type=int,
        default=0,
        help='also time every P1 case with the sampled-pixel loss (N per image)')
    p.add_argument('--p1-only', action='store_true', help='skip P3 and the throughput')
    p.add_argument('--out', default=osp.join(ROOT, 'benchmarks', 'results', 'pipeline_speed.json'))
    args = p.parse_args()
    global DEVICE
    DEVICE = args.device
    import torch
    torch.set_num_threads(args.threads)
    import mmlinsem  # noqa: F401
    res = dict(threads=args.threads, repeats=args.repeats, device=DEVICE, p1=[])
    if DEVICE != 'cpu':
        res['device_name'] = torch.cuda.get_device_name()
    cases = [(TOY, 16, None)] + ([] if args.skip_256 else [(SG2_256, 1, None)]) + \
        ([(SG2_1024, 1, SG2_256)] if args.with_1024 else [])
    for config, batch, teacher in cases:
        for pixels in sorted({0, args.loss_pixels}):
            res['p1'].append(p1(config, batch, args.repeats, teacher, pixels))
    print('| figure | measured | goal |\n|---|---|---|')
    for r in res['p1']:
        loss = f", loss on {r['loss_pixels']} px" if r['loss_pixels'] else ''
        print(f"| P1 head overhead, {osp.basename(r['config'])} (batch {r['batch']}{loss}) | "
              f"{r['overhead']:.3f} (step {r['train_step_s']:.3f} s / G+T "
              f"{r['gen_teacher_s']:.3f} s) | <= 1.10 |")
    if args.p1_only:
        return write(res, args.out)
    res['p3'] = p3(args.repeats, args.amp)
    res['throughput'] = throughput(args.repeats)
    print(f"| P3 SIE edit, 50 steps, toy GAN | {res['p3']['sie_s']:.2f} s | <= 2 s |")
    print(f"| P3 SCS sample, 10 inits + 50 steps, toy GAN | {res['p3']['scs_s']:.2f} s | - |")
    if args.amp:
        print(f"| P3 SIE / SCS under bf16 autocast | {res['p3']['sie_amp_s']:.2f} s / "
              f"{res['p3']['scs_amp_s']:.2f} s | - |")
    t = res['throughput']
    print(f"| evaluation throughput, toy GAN (batch {t['batch']}) | {t['eval_img_s']:.1f} img/s "
          f"(generator alone {t['generator_img_s']:.1f} img/s) | - |")
    write(res, args.out)


def write(res, out):
    os.makedirs(osp.dirname(out), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(res, f, indent=2)
    print(f'written {out}')


if __name__ == '__main__':
    main()
