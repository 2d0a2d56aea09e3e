"""A real browser (Debian's chromium + chromium-driver, driven by selenium) picks a class
from the brush palette, paints a stroke on the annotation canvas, saves, trains; the saved
mask has the picked class where the stroke was."""
import os
import os.path as osp

import numpy as np
import pytest

from mmlinsem.errors import MMLinsemError
from conftest import ROOT

CFG = osp.join(ROOT, 'tests', 'configs', 'tiny_lse.py')


def test_paint_save_train_in_a_real_browser(tmp_path):
    from PIL import Image
    from selenium.webdriver.common.by import By

    from mmlinsem.app import (AppSession, build_app, choose_colour, chromium_driver, click, launch,
                              open_tab, paint_stroke, text_of, wait_for)
    session = AppSession(
        CFG,
        annotations=str(tmp_path / 'ann'),
        out_dir=str(tmp_path / 'out'),
        scale=16,
        eval_samples=8)
    demo = build_app(session)
    launch(demo, port=None, block=False, out_dir=str(tmp_path / 'out'))
    try:
        driver = chromium_driver()
    except MMLinsemError as err:  # not installed: a failure, never a skip
        demo.close()
        pytest.fail(str(err))
    try:
        driver.get(demo.local_url)
        click(driver, 'sample-btn')
        wait_for(
            lambda: driver.find_elements(By.CSS_SELECTOR, '#sample-view img'),
            what='the sample image')
        open_tab(driver, 'Annotate')
        # start from an empty mask: only the stroke is annotated
        wait_for(
            lambda: [
                e for e in driver.find_elements(By.CSS_SELECTOR, 'label')
                if e.text.strip() == 'empty'
            ],
            what='the start-mask radio')[0].click()
        click(driver, 'load-btn')
        # class 2 from the palette (the default brush colour is class 1); a horizontal
        # stroke through the centre
        choose_colour(driver, 'annotate-canvas', 2)
        paint_stroke(driver, 'annotate-canvas')
        driver.save_screenshot(str(tmp_path / 'annotate.png'))
        click(driver, 'save-btn')
        mask_path = tmp_path / 'ann' / 'masks' / 'sample_00000.png'
        wait_for(
            lambda: mask_path.exists() and
            (tmp_path / 'ann' / 'latents' / 'sample_00000.npy').exists(),
            what='the saved annotation')
        mask = np.array(Image.open(mask_path))
        assert mask.shape == (16, 16)
        painted = mask != 255
        assert painted.any() and set(np.unique(mask[painted])) == {2}
        rows, cols = np.nonzero(painted)
        # the stroke ran through the centre of the canvas, left to right
        assert rows.min() <= 8 <= rows.max() + 1 and cols.max() - cols.min() >= 3
        assert not painted[:3].any() and not painted[-3:].any()
        click(driver, 'train-btn')
        text = wait_for(
            lambda: 'trained on' in text_of(driver, 'train-status') and text_of(
                driver, 'train-status'),
            what='training')
        assert 'trained on 1 annotations' in text.replace('*', '')
        assert (tmp_path / 'out' / 'heads' / 'fewshot_n1.pth').exists()
        driver.save_screenshot(str(tmp_path / 'trained.png'))
        shots = os.environ.get('MMLINSEM_SCREENSHOTS')
        if shots:  # docs screenshots: MMLINSEM_SCREENSHOTS=DIR pytest this test
            os.makedirs(shots, exist_ok=True)
            for name in ('annotate.png', 'trained.png'):
                os.replace(tmp_path / name, osp.join(shots, name))
    finally:
        driver.quit()
        demo.close()
