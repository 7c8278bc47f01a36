"""Server-side compositing: a saliency mask drawn over its image, as a PNG.

The same semantics as the browser's `frontend/pipeline/` modules, with the same
colormap tables (`colormaps.json`, the one copy in the repository) and the
same float64 arithmetic in the same order, so an exported PNG matches what the
page shows. For one raw mask value v and a clip value c > 0:

    s = strength(v)   absolute |v|; positive max(v, 0); negative max(-v, 0);
                      signed |v|
    t in [0, 1]       absolute/positive/negative: min(s / c, 1);
                      signed: (clip(v / c, -1, 1) + 1) / 2, zero at 0.5
    i = floor(t * 255 + 0.5), the colour (and for "tint", the alpha) index

`clip` is a percentage: the clip value c is that percentile of s over the mask
(PAIR's visualisation: 99), or with `clip_mode="mass"` the point where the
ascending cumulative sum of s reaches that share of the total (Captum's
outlier clipping; its `outlier_perc=2` is `clip=98`). A `threshold` of k keeps
only the pixels whose s is in the top k% (and above zero). A smaller mask is
scaled to the image, bilinearly (pixel centres aligned) or nearest. The overlay
is drawn with source-over at `opacity`, as a canvas does with `globalAlpha`.
"""

import functools
import io
import json
import os

import numpy as np

from tensorboard_plugin_saliency import render_options, validate
from tensorboard_plugin_saliency.static_files import static_dir

COLORMAPS = render_options.choices("colormap")
"""Colormap names, as in colormaps.json."""

SIGNS = render_options.choices("sign")
"""Sign modes: which part of a signed mask is shown, and how."""

CLIP_MODES = render_options.choices("clip_mode")
"""How the `clip` percentage becomes a clip value."""

MODES = ("heatmap", "tint")
"""heatmap: opaque colormap colours; tint: one colour, alpha = value."""

DEFAULT_TINT = (255, 0, 0)
DEFAULT_TINT_NEGATIVE = (0, 64, 255)

_check = render_options.check


# ------------------------------------------------------------------ colormaps


@functools.lru_cache(maxsize=1)
def load_colormaps():
    """The parsed colormaps.json: {"maps": {name: ["#rrggbb" x 256]},
    "diverging": [...], ...}."""
    with open(os.path.join(static_dir(), "colormaps.json"), encoding="utf-8") as f:
        return json.load(f)


@functools.cache
def colormap_lut(name):
    """The colormap `name` as a read-only uint8 array [256, 3]; row 0 is the
    low end."""
    _check("colormap", name)
    hexes = load_colormaps()["maps"][name]
    lut = np.array([[int(h[k : k + 2], 16) for k in (1, 3, 5)] for h in hexes], dtype=np.uint8)
    lut.flags.writeable = False
    return lut


def _rgb(name, value):
    arr = np.asarray(value)
    if arr.shape != (3,) or not np.all((arr >= 0) & (arr <= 255)):
        raise ValueError("%s must be 3 numbers in [0, 255]; got %r" % (name, value))
    return arr.astype(np.uint8)


def overlay_table(
    lut, mode="heatmap", sign="absolute", tint=DEFAULT_TINT, tint_negative=DEFAULT_TINT_NEGATIVE
):
    """The uint8 RGBA table [256, 4] indexed by i = floor(t*255 + 0.5).

    heatmap: the colormap colour, alpha 255. tint: colour `tint` with alpha i;
    for sign "signed", `tint_negative` below the middle and `tint` above,
    alpha = round(|2t - 1| * 255).
    """
    validate.choice("mode", mode, MODES)
    tint, tint_negative = _rgb("tint", tint), _rgb("tint_negative", tint_negative)
    i = np.arange(256, dtype=np.float64)
    table = np.empty((256, 4), dtype=np.uint8)
    if mode == "heatmap":
        table[:, :3] = lut
        table[:, 3] = 255
    elif sign == "signed":
        table[:, :3] = np.where((i < 128)[:, None], tint_negative, tint)
        table[:, 3] = np.floor(np.abs(2 * i / 255 - 1) * 255 + 0.5)
    else:
        table[:, :3] = tint
        table[:, 3] = i
    return table


# ------------------------------------------------------------------ statistics


def strength(mask, sign):
    """The per-pixel strength s >= 0 (float64) that clipping and thresholds
    rank: |v|, max(v, 0), max(-v, 0) or |v| (signed)."""
    _check("sign", sign)
    v = np.asarray(mask, dtype=np.float64)
    if sign == "positive":
        return np.maximum(v, 0.0)
    if sign == "negative":
        return np.maximum(-v, 0.0)
    return np.abs(v)


def percentile(values, p):
    """The p-th percentile (p in [0, 100]) with linear interpolation, numpy's
    default method, computed as frontend/pipeline/clip.js does (partition, no full sort)."""
    a = np.asarray(values, dtype=np.float64).ravel()
    n = a.size
    if n == 0:
        return float("nan")
    pos = (p / 100) * (n - 1)
    k = min(int(np.floor(pos)), n - 1)
    if k + 1 >= n:
        return float(np.partition(a, k)[k])
    part = np.partition(a, (k, k + 1))
    lo, hi = float(part[k]), float(part[k + 1])
    return lo + (hi - lo) * (pos - k)


def mass_threshold(values, keep):
    """Captum's cumulative-mass point: the smallest value whose ascending
    cumulative sum reaches `keep` percent of the total."""
    s = np.sort(np.asarray(values, dtype=np.float64).ravel())
    if s.size == 0:
        return float("nan")
    cum = np.cumsum(s)  # sequential sums, as in frontend/pipeline/clip.js
    reached = np.nonzero(cum >= cum[-1] * 0.01 * keep)[0]
    return float(s[reached[0]] if reached.size else s[-1])


def compute_clip(masks, sign="absolute", clip=99.0, clip_mode="percentile"):
    """The clip value (mask units, >= 0) for one or more masks together: the
    `clip` percentile of their strengths (or the cumulative-mass point). Pass
    all the masks of an image, or of a tag across steps, to share a range."""
    clip = _check("clip", clip)
    _check("sign", sign)
    _check("clip_mode", clip_mode)
    if isinstance(masks, np.ndarray):
        masks = [masks]
    s = np.concatenate([strength(m, sign).ravel() for m in masks])
    if clip_mode == "mass":
        return mass_threshold(s, clip)
    return percentile(s, clip)


def threshold_cut(mask, sign="absolute", threshold=None):
    """The strength a pixel needs to be in the top `threshold` percent
    (pixels are kept when s >= cut and s > 0); -inf for no threshold."""
    if threshold is None:
        return -np.inf
    threshold = _check("threshold", threshold)
    return percentile(strength(mask, sign), 100 - threshold)


# ------------------------------------------------------------------ colorize


def _axis(src, dst, smooth):
    """Resampling indices and weights for one axis, pixel centres aligned."""
    scale = src / dst
    pos = np.arange(dst, dtype=np.float64) + 0.5
    if not smooth:
        i0 = np.minimum(np.floor(pos * scale), src - 1).astype(np.intp)
        return i0, i0, np.zeros(dst), np.ones(dst)
    x = np.clip(pos * scale - 0.5, 0, src - 1)
    x0 = np.floor(x)
    f = x - x0
    x0 = x0.astype(np.intp)
    return x0, np.minimum(x0 + 1, src - 1), f, 1 - f


def resample(mask, height, width, smooth=True):
    """The mask (float64) scaled to [height, width]: bilinear when smooth,
    else nearest; the same arithmetic as frontend/pipeline/colorize.js."""
    m = np.asarray(mask, dtype=np.float64)
    h, w = m.shape
    if (h, w) == (height, width):
        return m
    x0, x1, fx, gx = _axis(w, width, smooth)
    y0, y1, fy, gy = _axis(h, height, smooth)
    if not smooth:
        return m[y0][:, x0]
    rows = m[:, x0] * gx + m[:, x1] * fx
    return rows[y0] * gy[:, None] + rows[y1] * fy[:, None]


def _check_mask(mask):
    m = np.asarray(mask)
    if m.ndim == 3 and m.shape[-1] == 1:
        m = m[..., 0]
    if m.ndim != 2 or 0 in m.shape or not np.issubdtype(m.dtype, np.number):
        raise ValueError(
            "mask must be a numeric array [h, w]; got shape %s dtype %s" % (m.shape, m.dtype)
        )
    m = m.astype(np.float32)
    if not np.all(np.isfinite(m)):
        raise ValueError("mask must be finite; it has NaN or inf values")
    return m


def colorize(
    mask,
    size=None,
    *,
    colormap="inferno",
    clip_value,
    sign="absolute",
    threshold=None,
    cut=None,
    smooth=True,
    mode="heatmap",
    tint=DEFAULT_TINT,
    tint_negative=DEFAULT_TINT_NEGATIVE,
):
    """The RGBA overlay layer (uint8 [H, W, 4]) for a mask, before opacity.

    Args:
      mask: float array [h, w] of raw values.
      size: (H, W) of the layer, default the mask's.
      clip_value: the clip value in mask units (see compute_clip).
      threshold: keep the top k% (0 < k <= 100), or `cut` precomputed.
    Alpha 0 marks pixels without overlay (below the threshold, or zero tint).
    """
    _check("sign", sign)
    m = _check_mask(mask)
    height, width = size if size is not None else m.shape
    table = overlay_table(colormap_lut(colormap), mode, sign, tint, tint_negative)
    if cut is None:
        cut = threshold_cut(m, sign, threshold)
    c = float(clip_value)
    inv = 1 / c if c > 0 and np.isfinite(c) else 0.0
    v = resample(m, height, width, smooth)
    if sign == "signed":
        s = np.abs(v)
        t = (np.clip(v * inv, -1, 1) + 1) * 0.5
    else:
        s = strength(v, sign)
        t = np.minimum(s * inv, 1)
    index = np.floor(t * 255 + 0.5).astype(np.intp)
    out = table[index]
    if cut > -np.inf:
        out[(s < cut) | (s <= 0)] = 0
    return out


# ------------------------------------------------------------------ compositing


def _to_rgba(image):
    img = np.asarray(image)
    if img.ndim == 2:
        img = img[..., None]
    if img.ndim != 3 or img.shape[-1] not in (1, 2, 3, 4) or 0 in img.shape:
        raise ValueError(
            "image must be [H, W] or [H, W, C] with C in 1..4; got shape %s" % (np.shape(image),)
        )
    if np.issubdtype(img.dtype, np.floating):
        if not (np.all(np.isfinite(img)) and img.min() >= 0 and img.max() <= 1):
            raise ValueError("a float image must have values in [0, 1]")
        img = np.floor(img * 255 + 0.5)
    elif img.dtype != np.uint8:
        if not np.issubdtype(img.dtype, np.integer) and img.dtype != np.bool_:
            raise ValueError("image dtype must be uint8 or float; got %s" % img.dtype)
        if img.dtype == np.bool_:
            img = img * 255
        elif img.min() < 0 or img.max() > 255:
            raise ValueError("an integer image must have values in [0, 255]")
    img = img.astype(np.uint8)
    c = img.shape[-1]
    alpha = img[..., c - 1 :] if c in (2, 4) else np.full(img.shape[:2] + (1,), 255, np.uint8)
    color = img[..., :3] if c >= 3 else np.repeat(img[..., :1], 3, axis=-1)
    return np.concatenate([color, alpha], axis=-1)


def composite(image, overlay, opacity=0.5):
    """`overlay` drawn over `image` (both uint8 RGBA [H, W, 4]) with
    source-over at global alpha `opacity`, rounded as floor(x + 0.5):
    as = overlay_alpha/255*opacity, ad = image_alpha/255,
    A = as + ad*(1 - as), C = (Cs*as + Cd*ad*(1 - as)) / A."""
    out = np.array(image, dtype=np.uint8, copy=True)
    if overlay is None or opacity <= 0:
        return out
    a_s = overlay[..., 3] / 255 * opacity
    a_d = out[..., 3] / 255
    k = a_d * (1 - a_s)
    a_r = a_s + k
    a_r[a_r == 0] = 1  # only where overlay and image are both transparent
    rgb = overlay[..., :3] * a_s[..., None] + out[..., :3] * k[..., None]
    rgb /= a_r[..., None]
    blended = np.empty(out.shape, np.float64)
    np.floor(rgb + 0.5, out=blended[..., :3])
    np.floor(a_r * 255 + 0.5, out=blended[..., 3])
    on = (overlay[..., 3] > 0)[..., None]
    return np.where(on, blended, out).astype(np.uint8)


def render_overlay(
    image,
    mask,
    *,
    colormap="inferno",
    opacity=0.5,
    clip=99.0,
    sign="absolute",
    threshold=None,
    smooth=True,
    clip_mode="percentile",
    clip_value=None,
    mode="heatmap",
    tint=DEFAULT_TINT,
    tint_negative=DEFAULT_TINT_NEGATIVE,
    show_mask=True,
):
    """A mask drawn over its image: uint8 RGBA [H, W, 4].

    Args:
      image: [H, W] or [H, W, C] (C = 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA),
        uint8 (or float in [0, 1]).
      mask: float [h, w] raw values; scaled to [H, W] when smaller/larger.
      colormap: one of COLORMAPS. opacity: in [0, 1].
      clip: percentage in (0, 100] (see the module docstring and clip_mode).
      clip_value: an explicit clip in mask units (a range shared across masks
        or steps); overrides `clip`.
      sign: one of SIGNS. threshold: keep the top k% of pixels, or None.
      smooth: bilinear (True) or nearest scaling of the mask.
      mode: "heatmap" or "tint" (with `tint` / `tint_negative` colours).
      show_mask: False returns the image alone (as RGBA).
    Raises:
      ValueError naming the argument, for any argument out of range.
    """
    _check("colormap", colormap)
    _check("sign", sign)
    validate.choice("mode", mode, MODES)
    _check("clip_mode", clip_mode)
    _check("opacity", opacity)
    clip = _check("clip", clip)
    if threshold is not None:
        _check("threshold", threshold)
    rgba = _to_rgba(image)
    m = _check_mask(mask)
    if not show_mask:
        return rgba
    if clip_value is None:
        clip_value = compute_clip(m, sign, clip, clip_mode)
    elif not (np.isfinite(clip_value) and clip_value >= 0):
        raise ValueError("clip_value must be a finite number >= 0; got %r" % (clip_value,))
    overlay = colorize(
        m,
        rgba.shape[:2],
        colormap=colormap,
        clip_value=clip_value,
        sign=sign,
        threshold=threshold,
        smooth=smooth,
        mode=mode,
        tint=tint,
        tint_negative=tint_negative,
    )
    return composite(rgba, overlay, float(opacity))


def png_bytes(image, mask, **kwargs):
    """render_overlay(image, mask, **kwargs) encoded as PNG bytes (RGB when
    every pixel is opaque, else RGBA)."""
    from PIL import Image  # pylint: disable=import-outside-toplevel

    rgba = render_overlay(image, mask, **kwargs)
    if np.all(rgba[..., 3] == 255):
        pic = Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB")
    else:
        pic = Image.fromarray(rgba, "RGBA")
    buf = io.BytesIO()
    pic.save(buf, format="PNG")
    return buf.getvalue()
