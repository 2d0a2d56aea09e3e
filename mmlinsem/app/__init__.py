"""The interactive app: callbacks (``AppSession``), canvas conversions and the Gradio UI
(imported only when built)."""
from .browser import (choose_colour, chromium_driver, click, open_tab, paint_stroke, text_of,
                      wait_for)
from .canvas import (mask_from_layer, mask_layer, palette_hex, read_index_png, snap_to_palette,
                     stroke_from_layer, upscale)
from .session import AppSession
from .ui import build_app, launch, require_gradio

__all__ = [
    'AppSession', 'build_app', 'chromium_driver', 'choose_colour', 'click', 'launch', 'open_tab',
    'paint_stroke', 'text_of', 'wait_for', 'mask_from_layer', 'mask_layer', 'palette_hex',
    'read_index_png', 'require_gradio', 'snap_to_palette', 'stroke_from_layer', 'upscale'
]
