"""A procedural, seeded "toy face world" with pixel-exact semantic masks.

``render_toy_face(seed, index)`` draws one RGB face image and its label map with numpy
only (coordinate grids + analytic shapes). The result is a pure function of
``(seed, index, size)``: the random stream is ``numpy.random.default_rng([seed, index])``.

Parts are painted in the order background -> cloth -> skin (ears, neck, face) -> hair ->
brows -> eyes -> nose -> mouth; every paint writes the image and the mask with the same
boolean region, so the mask is exact (hard labels, no anti-aliasing). Per-image lighting
and Gaussian noise are applied to the image only.

All geometry is defined in normalised coordinates (``x, y`` in ``[0, 1]`` at pixel
centres, ``y`` pointing down) so the world looks the same at any resolution; thin parts
(brows) keep a minimum thickness of about one and a half pixels.
"""
from typing import Iterable, Tuple, Union

import numpy as np

from .toy_face_drawing import ellipse, jitter, paint, pixel_grid, rotated, smooth_noise, textured

TOY_FACE_CLASSES = ('background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose', 'cloth')
TOY_FACE_PALETTE = [
    [0, 0, 0],  # background
    [255, 204, 153],  # skin
    [140, 70, 20],  # hair
    [0, 170, 255],  # eye
    [120, 0, 160],  # brow
    [230, 20, 60],  # mouth
    [60, 200, 60],  # nose
    [255, 240, 0],  # cloth
]

BACKGROUND, SKIN, HAIR, EYE, BROW, MOUTH, NOSE, CLOTH = range(8)

# Skin tones: light -> dark, interpolated piecewise linearly.
_SKIN_RAMP = np.array([[255, 226, 204], [240, 200, 165], [222, 171, 127], [190, 135, 95],
                       [150, 100, 65], [105, 68, 45], [75, 50, 35]],
                      dtype=np.float32)
_HAIR_COLOURS = np.array(
    [
        [22, 20, 20],  # black
        [45, 32, 25],  # near-black brown
        [85, 55, 35],  # dark brown
        [130, 85, 50],  # brown
        [215, 180, 110],  # blond
        [235, 210, 150],  # light blond
        [165, 65, 30],  # red / auburn
        [150, 150, 150],  # grey
        [215, 215, 210],  # white
    ],
    dtype=np.float32)
_HAIR_P = np.array([0.2, 0.12, 0.15, 0.14, 0.1, 0.06, 0.09, 0.08, 0.06])
_IRIS_COLOURS = np.array(
    [[70, 45, 25], [110, 75, 40], [60, 110, 170], [70, 130, 80], [40, 35, 35], [120, 120, 90]],
    dtype=np.float32)
_LIP_COLOURS = np.array(
    [[200, 60, 70], [210, 100, 110], [175, 55, 60], [225, 120, 130], [150, 60, 55], [190, 40, 60]],
    dtype=np.float32)


def _background(rng, x, y, size):
    c0 = rng.uniform(0, 255, 3).astype(np.float32)
    c1 = np.clip(c0 + rng.uniform(-120, 120, 3), 0, 255).astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    t = (x - 0.5) * np.cos(ang) + (y - 0.5) * np.sin(ang) + 0.5
    img = c0 + np.clip(t, 0, 1)[..., None] * (c1 - c0)
    # Mild low-frequency texture everywhere.
    img = img * (1.0 + rng.uniform(0.03, 0.12) * smooth_noise(rng, size, 6)[..., None])
    kind = rng.random()
    if kind < 0.25:  # stripes
        freq = rng.uniform(4, 12)
        sang = rng.uniform(0, np.pi)
        phase = (x * np.cos(sang) + y * np.sin(sang)) * freq * 2 * np.pi
        stripe_col = rng.uniform(0, 255, 3).astype(np.float32)
        on = np.sin(phase + rng.uniform(0, 2 * np.pi)) > rng.uniform(-0.3, 0.5)
        alpha = rng.uniform(0.25, 0.7)
        img = np.where(on[..., None], img * (1 - alpha) + stripe_col * alpha, img)
    elif kind < 0.5:  # blobs
        for _ in range(rng.integers(2, 6)):
            blob_col = rng.uniform(0, 255, 3).astype(np.float32)
            r = rng.uniform(0.06, 0.22)
            blob = ellipse(x, y, rng.uniform(0, 1), rng.uniform(0, 1), r, r * rng.uniform(0.6, 1.4))
            alpha = rng.uniform(0.3, 0.8)
            img = np.where(blob[..., None], img * (1 - alpha) + blob_col * alpha, img)
    return img


def _cloth(rng, img, mask, x, y, cx, chin_y, size):
    col = rng.uniform(20, 240, 3).astype(np.float32)
    top = float(np.clip(chin_y + rng.uniform(0.03, 0.1), 0.76, 0.92))
    half = rng.uniform(0.34, 0.52)
    ccx = cx + rng.uniform(-0.04, 0.04)
    if rng.random() < 0.5:  # shoulders: a wide ellipse rising from the bottom edge
        region = ellipse(x, y, ccx, top + 0.3, half, 0.3)
    else:  # trapezoid widening downwards
        slope = rng.uniform(0.6, 2.0)
        region = (y >= top) & (np.abs(x - ccx) <= half * 0.55 + (y - top) * slope)
    pattern = rng.random()
    if pattern < 0.25:  # stripes
        freq = rng.uniform(8, 16)
        horizontal = rng.random() < 0.5
        coord = y if horizontal else x
        field = np.sign(np.sin(coord * freq * 2 * np.pi))
        tex = textured(col, field, rng.uniform(0.15, 0.35))
    elif pattern < 0.4:  # checks
        freq = rng.uniform(6, 12)
        field = np.sign(np.sin(x * freq * 2 * np.pi) * np.sin(y * freq * 2 * np.pi))
        tex = textured(col, field, rng.uniform(0.15, 0.3))
    elif pattern < 0.5:  # dots
        freq = rng.uniform(8, 14)
        field = ((np.sin(x * freq * 2 * np.pi) > 0.6) & (np.sin(y * freq * 2 * np.pi) > 0.6))
        tex = textured(col, field.astype(np.float32) * 2 - 1, rng.uniform(0.2, 0.4))
    else:  # plain fabric with soft folds
        tex = textured(col, smooth_noise(rng, size, 5), 0.12)
    paint(img, mask, region, tex, CLOTH)


class _Face:
    """The face frame shared by the painters: pixel grid, rotated coordinates (u right,
    v down), half width ``a`` / height ``b`` and the canvas."""

    def __init__(self, rng, size: int):
        self.size = size
        self.x, self.y = pixel_grid(size)
        self.px = 1.0 / size
        self.mask = np.zeros((size, size), dtype=np.uint8)
        self.img = _background(rng, self.x, self.y, size)
        self.a = rng.uniform(0.19, 0.28)  # half width
        self.b = min(self.a * rng.uniform(1.15, 1.35), 0.35)  # half height
        self.cx = rng.uniform(0.38, 0.62)
        self.cy = rng.uniform(max(0.4, self.b * 1.15 + 0.05), 0.5)
        ang = rng.normal(0.0, 0.08)
        self.u, self.v = rotated(self.x, self.y, self.cx, self.cy, ang)


def _paint_skin(rng, f: _Face):
    """Ears, neck and face; returns (skin colour, neck half width, face region)."""
    a, b, u, v, img, mask = f.a, f.b, f.u, f.v, f.img, f.mask
    t = rng.beta(1.3, 1.3) * (len(_SKIN_RAMP) - 1)
    lo = int(min(np.floor(t), len(_SKIN_RAMP) - 2))
    skin = _SKIN_RAMP[lo] + (t - lo) * (_SKIN_RAMP[lo + 1] - _SKIN_RAMP[lo])
    skin = jitter(rng, skin, 10)
    # Shading: darker towards the rim of the face, plus a little blotchiness.
    rim = np.clip((u / (a * 1.1))**2 + (v / (b * 1.1))**2, 0, 1.5)
    skin_tex = textured(skin, -rim + 0.25 * smooth_noise(rng, f.size, 5), 0.12)
    neck_w = a * rng.uniform(0.45, 0.65)
    neck = (np.abs(u) <= neck_w) & (v >= 0) & (f.y <= 1.0)
    neck_tex = textured(skin, np.full_like(f.x, -1.0), 0.15)  # neck in shadow
    paint(img, mask, neck & (mask != CLOTH), neck_tex, SKIN)  # the neck ends at the collar
    ear_y = rng.uniform(-0.05, 0.15) * b
    if rng.random() < 0.75:
        ear_r = a * rng.uniform(0.16, 0.24)
        ears = (
            ellipse(u, v, -a, ear_y, ear_r, ear_r * 1.6)
            | ellipse(u, v, a, ear_y, ear_r, ear_r * 1.6))
        paint(img, mask, ears, skin_tex, SKIN)
    face = ellipse(u, v, 0.0, 0.0, a, b)
    paint(img, mask, face, skin_tex, SKIN)
    return skin, neck_w, face


def _eye_geometry(rng, f: _Face) -> dict:
    """Where the eyes and brows go (decided before the hair: the hairline stays above the
    brows)."""
    a, b, px = f.a, f.b, f.px
    g = dict(eye_dx=a * rng.uniform(0.36, 0.5), eye_v=-b * rng.uniform(0.0, 0.18))
    g['eye_rx'] = a * rng.uniform(0.2, 0.28)
    g['eye_ry'] = g['eye_rx'] * rng.uniform(0.5, 0.75)
    g['brow_gap'] = g['eye_ry'] + b * rng.uniform(0.08, 0.16)
    g['brow_rx'] = g['eye_rx'] * rng.uniform(1.0, 1.35)
    g['brow_th'] = max(b * rng.uniform(0.035, 0.07), 1.5 * px)
    g['brow_tilt'] = rng.normal(0.0, 0.15)
    g['arched'] = rng.random() < 0.6
    g['brow_bend'] = g['brow_rx'] * rng.uniform(0.35, 0.6)
    g['brow_top'] = (
        g['eye_v'] - g['brow_gap'] - g['brow_th'] - g['brow_rx'] * abs(np.sin(g['brow_tilt'])))
    return g


def _paint_hair(rng, f: _Face, face, neck_w, brow_top):
    """The hair (9 faces in 10); returns its colour, or None for a bald face."""
    a, b, px, u, v = f.a, f.b, f.px, f.u, f.v
    if rng.random() < 0.1:
        return None
    hair_col = jitter(rng, _HAIR_COLOURS[rng.choice(len(_HAIR_COLOURS), p=_HAIR_P)], 12)
    style = rng.choice(4, p=[0.35, 0.3, 0.2, 0.15])  # short, long, fringe, big
    scale = rng.uniform(1.08, 1.2) if style != 3 else rng.uniform(1.3, 1.5)
    top_y = rng.uniform(0.0, 0.08) * b  # cap centre shifts down a bit
    outer = ellipse(u, v, 0.0, top_y, a * scale, b * scale)
    # Hairline in face frame: high in the middle, lower at the temples.
    hairline = -b * rng.uniform(0.3, 0.55) + b * rng.uniform(0.1, 0.5) * (u / a)**2
    if style == 2:  # fringe with a wavy edge
        hairline = (-b * rng.uniform(0.05, 0.25) +
                    b * 0.06 * np.sin(u / a * rng.uniform(6, 12) + rng.uniform(0, 6)))
    hairline = np.minimum(hairline, brow_top - 1.5 * px)  # never over the brows
    cap = outer & (v <= np.maximum(hairline, -b * 0.9))
    side_len = {
        0: rng.uniform(-0.1, 0.2),
        1: rng.uniform(0.9, 1.6),
        2: rng.uniform(0.0, 0.5),
        3: rng.uniform(0.2, 0.7)
    }[style] * b
    sides = outer & (v <= side_len) & ~face
    if style == 1:  # long hair falls down past the face, behind the neck
        width = a * scale * rng.uniform(1.0, 1.15)
        fall = ((np.abs(u) <= width) & (v >= 0) & (v <= side_len) & ~face & ~(np.abs(u) <= neck_w))
        sides = sides | fall
    region = cap | sides
    # Strand texture: fine stripes along the face frame, plus low-frequency variation.
    strands = np.sin(u / px * rng.uniform(0.6, 1.2) + 2 * smooth_noise(rng, f.size, 6))
    hair_tex = textured(hair_col, 0.6 * strands - 0.3 * (v / b), 0.18)
    paint(f.img, f.mask, region, hair_tex, HAIR)
    return hair_col


def _paint_brows(rng, f: _Face, g: dict, hair_col, skin):
    if hair_col is not None and rng.random() < 0.6:
        brow_col = hair_col * rng.uniform(0.55, 0.85)
    else:
        brow_col = skin * rng.uniform(0.25, 0.5)
    brow_col = jitter(rng, brow_col, 8)
    brow_rx, brow_th = g['brow_rx'], g['brow_th']
    for side in (-1.0, 1.0):
        bu, bv = rotated(f.u, f.v, side * g['eye_dx'], g['eye_v'] - g['brow_gap'],
                         side * g['brow_tilt'])
        if g['arched']:  # crescent: inside an ellipse, outside the same ellipse moved down
            bh = g['brow_bend']
            brow = (
                ellipse(bu, bv, 0.0, bh - brow_th / 2, brow_rx, bh)
                & ~ellipse(bu, bv, 0.0, bh + brow_th / 2, brow_rx, bh))
        else:  # straight bar with rounded ends
            brow = ellipse(bu, bv, 0.0, 0.0, brow_rx, max(brow_th / 2, 0.75 * f.px) * 1.2)
        paint(f.img, f.mask, brow, brow_col, BROW)


def _paint_eyes(rng, f: _Face, g: dict, skin):
    img, mask = f.img, f.mask
    eye_rx, eye_ry = g['eye_rx'], g['eye_ry']
    sclera = jitter(rng, [240, 238, 232], 12)
    iris_col = jitter(rng, _IRIS_COLOURS[rng.integers(len(_IRIS_COLOURS))], 15)
    iris_r = max(eye_ry * rng.uniform(0.8, 1.05), 1.2 * f.px)
    look_u = eye_rx * rng.uniform(-0.3, 0.3)
    look_v = eye_ry * rng.uniform(-0.15, 0.15)
    closed = rng.random() < 0.05
    for side in (-1.0, 1.0):
        eu, ev = f.u - side * g['eye_dx'], f.v - g['eye_v']
        eye = ellipse(eu, ev, 0.0, 0.0, eye_rx, eye_ry)
        if closed:  # lid line: eye region drawn as a thin dark lens
            lens = eye & (np.abs(ev) <= max(eye_ry * 0.3, 0.8 * f.px))
            paint(img, mask, eye & ~lens, skin * 0.85, EYE)
            paint(img, mask, lens, skin * 0.35, EYE)
            continue
        paint(img, mask, eye, sclera, EYE)
        iris = eye & ellipse(eu, ev, look_u, look_v, iris_r, iris_r)
        img[iris] = iris_col
        pupil = eye & ellipse(eu, ev, look_u, look_v, iris_r * 0.45, iris_r * 0.45)
        img[pupil] = (15, 12, 12)
        # upper lid shadow
        lid = eye & (ev <= -eye_ry * 0.7)
        img[lid] = img[lid] * 0.6


def _paint_nose(rng, f: _Face, skin):
    a, b, u, v = f.a, f.b, f.u, f.v
    nose_top = b * rng.uniform(-0.05, 0.12)
    nose_len = b * rng.uniform(0.25, 0.4)
    nose_w = a * rng.uniform(0.15, 0.25)
    nose_col = skin * (rng.uniform(0.7, 0.88) if rng.random() < 0.75 else rng.uniform(1.08, 1.18))
    nose_col = np.clip(nose_col, 0, 255)
    nv = v - nose_top
    shape = rng.random()
    if shape < 0.5:  # triangle
        nose = (nv >= 0) & (nv <= nose_len) & (np.abs(u) <= nose_w * (0.25 + 0.75 * nv / nose_len))
    elif shape < 0.8:  # ellipse
        nose = ellipse(u, nv, 0.0, nose_len * 0.5, nose_w * 0.8, nose_len * 0.5)
    else:  # ridge + round tip
        nose = (((np.abs(u) <= nose_w * 0.35) & (nv >= 0) & (nv <= nose_len))
                | ellipse(u, nv, 0.0, nose_len * 0.85, nose_w, nose_len * 0.3))
    paint(f.img, f.mask, nose, nose_col, NOSE)
    if rng.random() < 0.6:  # nostrils (darker dots at the bottom, still 'nose')
        nr = max(nose_w * 0.3, 0.8 * f.px)
        nostrils = nose & (
            ellipse(u, nv, -nose_w * 0.45, nose_len * 0.85, nr, nr * 0.8)
            | ellipse(u, nv, nose_w * 0.45, nose_len * 0.85, nr, nr * 0.8))
        f.img[nostrils] = skin * 0.45


def _paint_mouth(rng, f: _Face, skin):
    a, b, u, v = f.a, f.b, f.u, f.v
    mouth_v = b * rng.uniform(0.5, 0.68)
    mouth_rx = a * rng.uniform(0.25, 0.45)
    mouth_ry = max(b * rng.uniform(0.06, 0.14), 1.5 * f.px)
    lip = jitter(rng, _LIP_COLOURS[rng.integers(len(_LIP_COLOURS))], 15)
    lip = np.clip(lip * (0.55 + 0.45 * skin / 230.0), 0, 255)  # darker on darker skin
    mu = u - rng.uniform(-0.05, 0.05) * a
    mv = v - mouth_v
    kind = rng.random()
    if kind < 0.35:  # closed: a lip ellipse with a darker line in the middle
        mouth = ellipse(mu, mv, 0.0, 0.0, mouth_rx, mouth_ry)
        paint(f.img, f.mask, mouth, lip, MOUTH)
        line = mouth & (np.abs(mv) <= max(mouth_ry * 0.15, 0.5 * f.px))
        f.img[line] = lip * 0.55
    elif kind < 0.7:  # smile: a crescent, thick in the middle, tips pointing up
        bend = mouth_ry * rng.uniform(1.5, 3.0)
        th = max(mouth_ry * rng.uniform(0.7, 1.2), 1.5 * f.px)
        mouth = (
            ellipse(mu, mv, 0.0, -bend + th / 2, mouth_rx, bend)
            & ~ellipse(mu, mv, 0.0, -bend - th / 2, mouth_rx, bend))
        paint(f.img, f.mask, mouth, lip, MOUTH)
    else:  # open: lips around a dark interior, sometimes teeth
        ry = mouth_ry * rng.uniform(1.2, 1.8)
        mouth = ellipse(mu, mv, 0.0, 0.0, mouth_rx, ry)
        paint(f.img, f.mask, mouth, lip, MOUTH)
        inner = ellipse(mu, mv, 0.0, 0.0, mouth_rx * 0.75, ry * 0.6)
        f.img[inner] = jitter(rng, [60, 20, 25], 15)
        if rng.random() < 0.5:
            teeth = inner & (mv <= -ry * 0.2)
            f.img[teeth] = jitter(rng, [235, 230, 215], 10)


def render_toy_face(seed: int, index: int, size: int = 64) -> Tuple[np.ndarray, np.ndarray]:
    """Render toy face ``index`` of world ``seed``.

    Args:
        seed (int): the world's seed (>= 0).
        index (int): the sample's index (>= 0).
        size (int): image side in pixels.

    Returns:
        tuple: ``image`` (``size x size x 3`` uint8, RGB) and ``mask`` (``size x size``
        uint8 class indices into :data:`TOY_FACE_CLASSES`).
    """
    rng = np.random.default_rng([int(seed), int(index)])
    f = _Face(rng, size)
    _cloth(rng, f.img, f.mask, f.x, f.y, f.cx, f.cy + f.b, size)
    skin, neck_w, face = _paint_skin(rng, f)
    g = _eye_geometry(rng, f)
    hair_col = _paint_hair(rng, f, face, neck_w, g['brow_top'])
    _paint_brows(rng, f, g, hair_col, skin)
    _paint_eyes(rng, f, g, skin)
    _paint_nose(rng, f, skin)
    _paint_mouth(rng, f, skin)
    # lighting and noise (image only)
    x, y = f.x, f.y
    lang = rng.uniform(0, 2 * np.pi)
    light = 1.0 + rng.uniform(0.05, 0.25) * ((x - 0.5) * np.cos(lang) + (y - 0.5) * np.sin(lang))
    img = f.img * (light * rng.uniform(0.85, 1.1))[..., None]
    img += rng.normal(0.0, rng.uniform(1.5, 5.0), img.shape).astype(np.float32)
    image = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    return image, f.mask


def class_histogram(
    masks: Union[np.ndarray, Iterable[np.ndarray]], num_classes: int = len(TOY_FACE_CLASSES)
) -> np.ndarray:
    """Normalised pixel frequency of each class over ``masks``.

    Args:
        masks: one ``(H, W)`` label map, a stacked ``(N, H, W)`` array or an iterable of
            label maps. Values ``>= num_classes`` (e.g. 255 = ignore) are not counted.
        num_classes (int): number of classes.

    Returns:
        np.ndarray: ``(num_classes,)`` float64 frequencies summing to 1 (all zeros when
        no pixel was counted).
    """
    if isinstance(masks, np.ndarray):
        masks = [masks]
    counts = np.zeros(num_classes, dtype=np.int64)
    for m in masks:
        flat = np.asarray(m).ravel()
        counts += np.bincount(
            flat[flat < num_classes].astype(np.int64), minlength=num_classes)[:num_classes]
    total = counts.sum()
    return counts / total if total else counts.astype(np.float64)
