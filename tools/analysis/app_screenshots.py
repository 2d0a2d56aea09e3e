"""Screenshots of every tab of the app, driven in a real browser (the docs' pictures).

    python tools/analysis/app_screenshots.py [CONFIG] --annotations DIR [--head CKPT]
        [--out docs/en/_static/app] [--label hair]

Serves the app on a free localhost port, opens it in headless chromium (install with
``bash tools/setup_browser.sh``) and, tab by tab: samples seed 0; puts it on the annotation
canvas with the teacher's mask; trains a few-shot LSE on the annotations in DIR (unless
--head is given) and shows the timing; paints a stroke of class --label on the head mask
and runs SIE; paints a layout and samples to it (SCS); finds SeFa directions. One PNG per
tab in --out, plus ``app_timings.json`` with the train and edit messages shown.
"""
import argparse
import json
import os
import os.path as osp
import time

from mmlinsem.cli import run_main

TABS = ('sample', 'annotate', 'train', 'edit', 'condition', 'directions')


def parse_args():
    p = argparse.ArgumentParser(description='screenshots of the app')
    p.add_argument(
        'config', nargs='?', default='configs/lse/lse-closedform-sgd_stylegan2lite-toyfaces64.py')
    p.add_argument('--annotations', required=True, help='an annotation folder to train on')
    p.add_argument('--head')
    p.add_argument('--out', default='docs/en/_static/app')
    p.add_argument('--label', default='hair', help='class painted in the edit tab')
    p.add_argument('--work-dir', default='work_dirs/app_screenshots')
    return p.parse_args()


def main():
    args = parse_args()
    from selenium.webdriver.common.by import By

    from mmlinsem.app import (AppSession, build_app, choose_colour, chromium_driver, click, launch,
                              open_tab, paint_stroke, text_of, wait_for)
    from mmlinsem.errors import MMLinsemError
    session = AppSession(args.config, args.head, args.annotations, args.work_dir, scale=4)
    if args.label not in session.classes:
        raise MMLinsemError(f'--label must be one of {session.classes}, got {args.label!r}')
    demo = build_app(session)
    launch(demo, port=None, block=False, out_dir=args.work_dir)
    os.makedirs(args.out, exist_ok=True)
    driver = chromium_driver(1280, 1400)
    shown = {}

    def shot(name):
        time.sleep(1)
        driver.save_screenshot(osp.join(args.out, f'{name}.png'))
        print(f'wrote {osp.join(args.out, name)}.png', flush=True)

    def has_img(elem_id):
        return driver.find_elements(By.CSS_SELECTOR, f'#{elem_id} img')

    try:
        driver.get(demo.local_url)
        click(driver, 'sample-btn')
        wait_for(lambda: has_img('sample-view'), what='the sample')
        shot('sample')
        open_tab(driver, 'Annotate')
        click(driver, 'load-btn')
        paint_stroke(driver, 'annotate-canvas', (-40, 30), ((30, 0), (30, 0)))
        shot('annotate')
        if not args.head:
            click(driver, 'train-btn')
            shown['train'] = wait_for(
                lambda: 'trained on' in text_of(driver, 'train-status') and text_of(
                    driver, 'train-status'), 120, 'training')
            time.sleep(3)  # the preview gallery
            driver.execute_script(
                "document.getElementById('train-status').scrollIntoView({block: 'center'})")
            shot('train')
        open_tab(driver, 'Edit')
        click(driver, 'edit-load-btn')
        choose_colour(driver, 'edit-canvas', session.classes.index(args.label))
        paint_stroke(driver, 'edit-canvas', (-50, -60), ((35, 0), (35, 0), (0, 10), (-70, 0)))
        click(driver, 'edit-btn')
        shown['edit'] = wait_for(
            lambda: 'agreement' in text_of(driver, 'edit-metrics') and text_of(
                driver, 'edit-metrics'), 120, 'the edit')
        shot('edit')
        open_tab(driver, 'Condition')
        click(driver, 'blank-btn')
        paint_stroke(driver, 'scs-canvas', (-60, -20), ((60, 0), (60, 0), (0, 20), (-120, 0)))
        click(driver, 'scs-btn')
        shown['condition'] = wait_for(
            lambda: 'accuracy' in text_of(driver, 'scs-status') and text_of(driver, 'scs-status'),
            180, 'SCS')
        shot('condition')
        open_tab(driver, 'Directions')
        click(driver, 'sefa-btn')
        wait_for(lambda: has_img('sefa-view'), what='SeFa')
        shot('directions')
    finally:
        driver.quit()
        demo.close()
    with open(osp.join(args.out, 'app_timings.json'), 'w') as f:
        json.dump(shown, f, indent=2)
    print(json.dumps(shown, indent=2))


if __name__ == '__main__':
    run_main(main)
