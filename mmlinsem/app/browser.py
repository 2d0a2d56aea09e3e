"""Driving the app in a real browser: Debian's chromium + chromium-driver through selenium
(the app's browser test and the docs' screenshots). Nothing is downloaded: the driver path
is given, so selenium's manager never runs. ``tools/setup_browser.sh`` installs both."""
import os
import os.path as osp
import time

from mmlinsem.errors import MMLinsemError

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')


def chromium_driver(width: int = 1280, height: int = 1600):
    """A headless chromium selenium driver, or a one-line error saying how to install it."""
    if not (osp.exists(CHROMIUM) and osp.exists(CHROMEDRIVER)):
        raise MMLinsemError(f'driving the app in a browser needs {CHROMIUM} and {CHROMEDRIVER}: '
                            'run `bash tools/setup_browser.sh` (tools/run_tests.sh does)')
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise MMLinsemError('driving the app in a browser needs selenium: pip install -r '
                            'requirements/tests.txt') from None
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                f'--window-size={width},{height}'):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def wait_for(cond, timeout: float = 60, what: str = 'condition'):
    """Poll ``cond()`` until it is truthy (returned) or ``timeout`` seconds pass."""
    end = time.time() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.time() > end:
            raise MMLinsemError(f'timed out after {timeout} s waiting for {what}')
        time.sleep(0.25)


def open_tab(driver, title: str):
    """Click the app's tab whose title contains ``title``."""
    from selenium.webdriver.common.by import By
    tabs = wait_for(
        lambda:
        [b for b in driver.find_elements(By.CSS_SELECTOR, 'button[role=tab]') if title in b.text],
        what=f'the {title!r} tab')
    tabs[0].click()
    time.sleep(0.5)


def click(driver, elem_id: str):
    from selenium.webdriver.common.by import By
    wait_for(lambda: driver.find_elements(By.ID, elem_id), what=f'#{elem_id}')[0].click()


def paint_stroke(driver, canvas_id: str, start=(-60, 0), moves=((40, 0), (40, 0), (40, 0))):
    """Drag the mouse on the canvas of ``#canvas_id`` (offsets from its centre, in CSS px)
    with the current brush."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    canvas = wait_for(
        lambda: driver.find_elements(By.CSS_SELECTOR, f'#{canvas_id} canvas'),
        what=f'the canvas of #{canvas_id}')[-1]
    time.sleep(2)  # the background image is drawn
    chain = ActionChains(driver).move_to_element_with_offset(canvas, *start).click_and_hold()
    for dx, dy in moves:
        chain = chain.move_by_offset(dx, dy)
    chain.release().perform()
    time.sleep(1)


def choose_colour(driver, canvas_id: str, index: int):
    """Pick swatch ``index`` of the brush palette of ``#canvas_id`` (the app's palette: one
    swatch per class, in class order); a one-line error when it is not there."""
    from selenium.webdriver.common.by import By
    button = wait_for(
        lambda: [
            b for b in driver.find_elements(By.CSS_SELECTOR, f'#{canvas_id} button')
            if b.get_attribute('aria-label') == 'Color'
        ],
        what=f'the colour button of #{canvas_id}')[0]
    button.click()
    swatches = wait_for(
        lambda: driver.find_elements(By.CSS_SELECTOR, f'#{canvas_id} button.color'),
        what=f'the palette of #{canvas_id}')
    if not 0 <= index < len(swatches):
        raise MMLinsemError(f'#{canvas_id} has {len(swatches)} brush colours, asked for {index}')
    swatches[index].click()
    time.sleep(0.3)
    button.click()  # close the menu
    time.sleep(0.3)


def text_of(driver, elem_id: str) -> str:
    from selenium.webdriver.common.by import By
    found = driver.find_elements(By.ID, elem_id)
    return found[0].text if found else ''
