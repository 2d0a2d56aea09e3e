"""The Gradio interface over :class:`~mmlinsem.app.session.AppSession` (wiring only).

Gradio is imported when the app is built, never by ``import mmlinsem``; without it
:func:`require_gradio` says in one line how to install it. Every callback turns an
:class:`MMLinsemError` into a one-line message in the page (``gr.Error``), so bad input
never saves anything.
"""
import dataclasses
import functools
import os
import os.path as osp
from typing import Any, Callable

import numpy as np

from mmlinsem.errors import MMLinsemError
from .canvas import palette_hex

GRADIO_VERSION = '6.9.0'
MAX_UPLOAD = '4mb'


def require_gradio():
    """The ``gradio`` module, or a one-line error saying how to install the pinned one."""
    os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')  # read at import
    try:
        import gradio
    except ImportError:
        raise MMLinsemError(
            f'the app needs gradio=={GRADIO_VERSION}: run `bash '
            f'tools/setup_env.sh` (or `pip install -r requirements/app.txt`)') from None
    return gradio


def _errors_to_ui(fn):
    """Show an MMLinsemError as a one-line message in the page instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        gr = require_gradio()
        try:
            return fn(*args, **kwargs)
        except MMLinsemError as err:
            raise gr.Error(str(err)) from None

    return wrapper


def _stream_errors_to_ui(fn):
    """:func:`_errors_to_ui` of a streaming callback (a generator function, as Gradio
    needs to see to stream its outputs)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        gr = require_gradio()
        try:
            yield from fn(*args, **kwargs)
        except MMLinsemError as err:
            raise gr.Error(str(err)) from None

    return wrapper


def _layers_choices(session):
    n = session.gen.num_latents or 1
    choices = ['all', '0-1', '2-5', f'6-{n - 1}'] if n > 6 else ['all']
    return choices


@dataclasses.dataclass
class _Shared:
    """What every tab needs: gradio, the session, the current sample's state and the
    mask-canvas factory."""
    gr: Any
    session: Any
    state: Any
    editor: Callable


def build_app(session, num_directions: int = 5):
    """The ``gr.Blocks`` app of ``session`` (five tabs; api names for each action)."""
    gr = require_gradio()
    s = session
    colors = palette_hex(s.palette)
    legend_md = ' '.join(f'<span style="color:{c}">&#9632;</span> {i}:{name}'
                         for i, (c, name) in enumerate(zip(colors, s.classes)))
    with gr.Blocks(title='mmlinsem') as demo:
        ui = _Shared(gr, s, gr.State(None), _editor_factory(gr, s, colors))
        gr.Markdown(f'**mmlinsem** — {len(s.classes)} classes: {legend_md}')
        _sample_tab(ui)
        saved, pick = _annotate_tab(ui)
        _edit_tab(ui)
        _condition_tab(ui)
        _directions_tab(ui, num_directions)
        demo.load(lambda: (s.annotation_rows(), gr.update(choices=s.store.names())), None,
                  [saved, pick])
    return demo


def _editor_factory(gr, s, colors):
    """``editor(label, elem_id)``: a fixed-size mask canvas whose brushes are the classes."""
    canvas = s.size[0] * s.scale, s.size[1] * s.scale

    def editor(label, elem_id):
        return gr.ImageEditor(
            label=label,
            type='numpy',
            image_mode='RGBA',
            layers=False,
            sources=(),
            transforms=(),
            brush=gr.Brush(
                colors=colors,
                default_color=colors[1 % len(colors)],
                color_mode='fixed',
                default_size=max(2, s.scale * 2)),
            eraser=gr.Eraser(default_size=max(2, s.scale * 2)),
            canvas_size=canvas,
            fixed_canvas=True,
            format='png',
            elem_id=elem_id)

    return editor


def _sample_tab(ui):
    gr, s, state = ui.gr, ui.session, ui.state
    with gr.Tab('Sample'):
        with gr.Row():
            seed = gr.Number(value=0, precision=0, label='seed', minimum=0)
            psi = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label='truncation psi')
            random_btn = gr.Button('Random')
            sample_btn = gr.Button('Sample', variant='primary', elem_id='sample-btn')
        sample_view = gr.Image(label='image | head mask', format='png', elem_id='sample-view')
        teacher_view = gr.Image(label='image | teacher mask', format='png')
        download_btn = gr.Button('Download image + latent')
        files = gr.File(label='downloads', file_count='multiple')

    @_errors_to_ui
    def do_sample(seed_v, psi_v):
        st = s.sample(int(seed_v or 0), float(psi_v))
        teacher = s.overlay(st, 'teacher_mask') if st['teacher_mask'] is not None else None
        return st, s.overlay(st), teacher

    def do_random():
        return int(np.random.default_rng().integers(0, 2**31 - 1))

    @_errors_to_ui
    def do_download(st):
        _need(st)
        return s.download(st)

    sample_btn.click(do_sample, [seed, psi], [state, sample_view, teacher_view], api_name='sample')
    random_btn.click(do_random, None, seed, api_name='random_seed')
    download_btn.click(do_download, state, files, api_name='download')


def _annotate_tab(ui):
    """The annotation tab; returns its saved-table and saved-sample dropdown, which the
    page refreshes on load."""
    gr, s, state = ui.gr, ui.session, ui.state
    with gr.Tab('Annotate & Train'):
        with gr.Row():
            source = gr.Radio(
                list(('empty', 'teacher', 'head')), value='teacher', label='start from')
            load_btn = gr.Button('Put current sample on canvas', elem_id='load-btn')
        paint = ui.editor('paint labels (brush colours = classes, eraser = unlabelled)',
                          'annotate-canvas')
        with gr.Row():
            name = gr.Textbox(label='name (empty: next free)', max_lines=1)
            save_btn = gr.Button('Save annotation', variant='primary', elem_id='save-btn')
        saved = gr.Dataframe(
            headers=['name', 'labelled %', 'classes'], label='saved', interactive=False)
        with gr.Row():
            pick = gr.Dropdown(
                choices=s.store.names(), label='saved sample', allow_custom_value=False)
            open_btn = gr.Button('Open')
            delete_btn = gr.Button('Delete (to .trash)')
        with gr.Row():
            ce_steps = gr.Slider(0, 300, value=100, step=10, label='L-BFGS steps')
            train_btn = gr.Button('Train few-shot LSE', variant='primary', elem_id='train-btn')
        train_status = gr.Markdown(elem_id='train-status')
        train_preview = gr.Gallery(
            label='new samples with the trained head', columns=2, object_fit='contain')
        annotate_status = gr.Markdown(elem_id='annotate-status')

    def names_update():
        return gr.update(choices=s.store.names())

    @_errors_to_ui
    def do_load(st, src):
        _need(st)
        return s.editor_value(st, src)

    @_errors_to_ui
    def do_save(st, value, name_v):
        saved_name = s.save_annotation(st, value, name_v)
        return (f'saved **{saved_name}** ({len(s.store.names())} in {s.store.root})',
                s.annotation_rows(), names_update())

    @_errors_to_ui
    def do_open(name_v):
        if not name_v:
            raise MMLinsemError('choose a saved sample first')
        st, value = s.open_annotation(name_v)
        return st, value, f'opened **{name_v}**'

    @_errors_to_ui
    def do_delete(name_v):
        if not name_v:
            raise MMLinsemError('choose a saved sample first')
        s.store.delete(name_v)
        return f'moved **{name_v}** to .trash', s.annotation_rows(), names_update()

    @_errors_to_ui
    def do_train(steps_v, progress=gr.Progress()):

        def report(done, total, stage):
            progress(done / max(total, 1), desc=f'{stage} {done}/{total}')

        out = s.train(int(steps_v), progress=report)
        text = (f'trained on **{out["num_annotations"]}** annotations in '
                f'**{out["seconds"]:.1f} s**; saved `{out["path"]}`')
        if 'miou_vs_teacher' in out:
            text += (f'; paper mIoU vs teacher on {s.eval_samples} held-out samples: '
                     f'**{out["miou_vs_teacher"]:.1f}**')
        preview = [s.overlay(s.sample(10_000 + i)) for i in range(4)]
        return text, preview

    load_btn.click(do_load, [state, source], paint, api_name='load_canvas')
    save_btn.click(
        do_save, [state, paint, name], [annotate_status, saved, pick], api_name='save_annotation')
    open_btn.click(do_open, pick, [state, paint, annotate_status], api_name='open_annotation')
    delete_btn.click(do_delete, pick, [annotate_status, saved, pick], api_name='delete_annotation')
    train_btn.click(do_train, ce_steps, [train_status, train_preview], api_name='train')
    return saved, pick


def _edit_tab(ui):
    gr, s, state = ui.gr, ui.session, ui.state
    with gr.Tab('Edit (SIE)'):
        gr.Markdown('Paint one class on the mask; the edit repaints the image to follow.')
        stroke = ui.editor('stroke on the head mask', 'edit-canvas')
        with gr.Row():
            edit_load = gr.Button('Put current sample on canvas', elem_id='edit-load-btn')
            steps = gr.Slider(10, 200, value=50, step=10, label='steps')
            baseline = gr.Checkbox(label='also the colour baseline')
            edit_btn = gr.Button('Edit', variant='primary', elem_id='edit-btn')
            undo_btn = gr.Button('Undo')
        edit_view = gr.Image(
            label='original | target | edited | new mask', format='png', elem_id='edit-view')
        edit_metrics = gr.Markdown(elem_id='edit-metrics')
        with gr.Row():
            edit_name = gr.Textbox(label='edit name', max_lines=1)
            save_edit_btn = gr.Button('Save edit (w+ delta)')
        with gr.Row():
            edit_pick = gr.Dropdown(choices=s.edit_names(), label='saved edit')
            apply_seeds = gr.Textbox(value='1,2,3', label='seeds', max_lines=1)
            strength = gr.Slider(-2.0, 3.0, value=1.0, step=0.1, label='strength')
            apply_btn = gr.Button('Apply to seeds')
        apply_view = gr.Gallery(
            label='original | edited | new mask', columns=1, object_fit='contain')

    @_errors_to_ui
    def do_edit_load(st):
        _need(st)
        return s.stroke_canvas(st)

    @_stream_errors_to_ui
    def do_edit(st, value, steps_v, baseline_v):
        _need(st)
        for out in s.edit_stream(st, value, int(steps_v), bool(baseline_v)):
            yield out['picture'], out['metrics'], out.get('state', st)

    @_errors_to_ui
    def do_undo(st):
        st = s.undo(st)
        return st, s.overlay(st)

    @_errors_to_ui
    def do_save_edit(st, name_v):
        path = s.save_last_edit(st, name_v)
        return f'saved edit `{path}`', gr.update(choices=s.edit_names())

    @_errors_to_ui
    def do_apply(edit_v, seeds_v, strength_v):
        return s.apply_saved_edit(edit_v, seeds_v, float(strength_v))

    edit_load.click(do_edit_load, state, stroke, api_name='load_stroke_canvas')
    edit_btn.click(
        do_edit, [state, stroke, steps, baseline], [edit_view, edit_metrics, state],
        api_name='edit')
    undo_btn.click(do_undo, state, [state, edit_view], api_name='undo')
    save_edit_btn.click(
        do_save_edit, [state, edit_name], [edit_metrics, edit_pick], api_name='save_edit')
    apply_btn.click(do_apply, [edit_pick, apply_seeds, strength], apply_view, api_name='apply_edit')


def _condition_tab(ui):
    gr, s = ui.gr, ui.session
    with gr.Tab('Condition (SCS)'):
        layout = ui.editor('paint a layout (or upload an index PNG)', 'scs-canvas')
        with gr.Row():
            blank_btn = gr.Button('Blank canvas', elem_id='blank-btn')
            upload = gr.File(label='index PNG', file_types=['.png'], type='binary')
            num = gr.Slider(1, 8, value=4, step=1, label='samples')
            scs_steps = gr.Slider(10, 200, value=50, step=10, label='steps')
            scs_btn = gr.Button('Sample to layout', variant='primary', elem_id='scs-btn')
        scs_view = gr.Gallery(label='samples | their masks', columns=2, object_fit='contain')
        scs_status = gr.Markdown(elem_id='scs-status')

    @_errors_to_ui
    def do_blank():
        return s.blank_canvas()

    @_errors_to_ui
    def do_scs(value, upload_v, num_v, steps_v):
        target = s.layout_mask(value, upload_v)
        results = s.condition(target, int(num_v), steps=int(steps_v))
        gallery = [s.show(np.concatenate([img, s.colorize(mask)], 1)) for img, mask, _ in results]
        accs = ', '.join(f'{a:.1f}' for _, _, a in results)
        return gallery, f'semantic accuracy on the painted pixels (%): {accs}'

    blank_btn.click(do_blank, None, layout, api_name='blank_layout')
    scs_btn.click(
        do_scs, [layout, upload, num, scs_steps], [scs_view, scs_status], api_name='condition')


def _directions_tab(ui, num_directions):
    gr, s, state = ui.gr, ui.session, ui.state
    with gr.Tab('Directions (SeFa)'):
        with gr.Row():
            layers = gr.Dropdown(_layers_choices(s), value='all', label='layers')
            sefa_btn = gr.Button('Find directions', variant='primary', elem_id='sefa-btn')
            reset_btn = gr.Button('Reset')
        sliders = [
            gr.Slider(-10, 10, value=0, step=0.5, label=f'direction {i}')
            for i in range(num_directions)
        ]
        sefa_view = gr.Image(label='edited sample', format='png', elem_id='sefa-view')
        sefa_state = gr.State(None)

    @_errors_to_ui
    def do_sefa(st, layers_v):
        _need(st)
        dirs, vals, idx = s.sefa(layers_v, len(sliders))
        labels = [
            gr.update(value=0, label=f'direction {i} (eigenvalue {float(v):.2f})')
            for i, v in enumerate(vals)
        ]
        return (dict(directions=dirs, layers=idx), s.show(st['image']), *labels)

    @_errors_to_ui
    def do_sefa_move(st, sefa, *values):
        _need(st)
        if sefa is None:
            raise MMLinsemError('press "Find directions" first')
        return s.show(s.sefa_image(st, sefa['directions'], values, sefa['layers']))

    def do_reset(st):
        return (*[gr.update(value=0) for _ in sliders], s.show(st['image']) if st else None)

    sefa_btn.click(do_sefa, [state, layers], [sefa_state, sefa_view, *sliders], api_name='sefa')
    for sl in sliders:
        sl.release(do_sefa_move, [state, sefa_state, *sliders], sefa_view, api_visibility='private')
    reset_btn.click(do_reset, state, [*sliders, sefa_view], api_name='sefa_reset')


def _need(state):
    if not state or 'wp' not in state:
        raise MMLinsemError('no current sample: press "Sample" first')


def launch(demo, host: str = '127.0.0.1', port=7860, block: bool = True, **kwargs):
    """Serve on ``host:port`` (``port=None``: the first free port from 7860): localhost by
    default, never a share tunnel, no analytics, one request at a time (the model and the
    folders are shared)."""
    if host not in ('127.0.0.1', 'localhost', '::1'):
        import warnings
        warnings.warn(
            f'the app listens on {host}: anyone who reaches this address can use '
            'it (and write to its folders); the default is 127.0.0.1',
            stacklevel=2)
    demo.queue(default_concurrency_limit=1)
    return demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        prevent_thread_lock=not block,
        max_file_size=MAX_UPLOAD,
        allowed_paths=[osp.abspath(kwargs.pop('out_dir', '.'))],
        show_error=True,
        quiet=True,
        **kwargs)
