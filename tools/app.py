"""The interactive app: sample, annotate + train a few-shot LSE, edit (SIE), condition
(SCS) and move along SeFa directions, in a browser.

    python tools/app.py [CONFIG] [--head CKPT] [--annotations DIR] [--out DIR]
        [--host 127.0.0.1] [--port 7860]

Defaults to the shipped toy GAN (the main job's config). Binds to 127.0.0.1 unless --host
says otherwise (then a warning); no share tunnel, no analytics. Annotations are saved in
the ``AnnotatedLatentDataset`` layout under --annotations, trained heads under
``--out/heads/`` (loadable by tools/test.py, tools/sie.py, ...), saved edits under
``--out/edits/``. Everything the app does is also a command-line tool or API function:
see docs/en/user_guides/app.md.
"""
import argparse

from mmlinsem.cli import add_trust_arg, run_main

DEFAULT_CONFIG = 'configs/lse/lse-closedform-sgd_stylegan2lite-toyfaces64.py'


def parse_args():
    p = argparse.ArgumentParser(description='mmlinsem app')
    p.add_argument('config', nargs='?', default=DEFAULT_CONFIG)
    p.add_argument('--head', help='head checkpoint (default: untrained until "Train")')
    p.add_argument('--annotations', default='work_dirs/app/annotations')
    p.add_argument('--out', default='work_dirs/app', help='heads, edits and downloads')
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=7860)
    p.add_argument('--device', default='cpu')
    p.add_argument('--scale', type=int, default=4, help='display upscale (nearest)')
    add_trust_arg(p)
    return p.parse_args()


def main():
    args = parse_args()
    from mmlinsem.app import AppSession, build_app, launch, require_gradio
    require_gradio()  # one line before the model loads, if gradio is missing
    session = AppSession(args.config, args.head, args.annotations, args.out, args.device,
                         args.scale)
    if session.incomplete:
        print(f'moved incomplete saves to {session.store.root}/.incomplete: '
              f'{", ".join(session.incomplete)}')
    demo = build_app(session)
    print(f'mmlinsem app on http://{args.host}:{args.port} (Ctrl+C stops it)')
    launch(demo, args.host, args.port, block=True, out_dir=args.out)


if __name__ == '__main__':
    run_main(main)
