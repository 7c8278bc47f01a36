"""Occlusion (Zeiler & Fergus 2014), as PAIR computes it. Gradient-free."""

import numpy as np

from tensorboard_plugin_saliency.methods import checks
from tensorboard_plugin_saliency.methods.adapter import image_points


def _occluded_points(ops, images, k, i, covered_rows, covered_cols, fill):
    """Image i with window k filled from `fill`."""
    lefts = int(covered_cols.shape[0])
    mask = (
        ops.gather(covered_rows, k // lefts)[:, :, None]
        * ops.gather(covered_cols, k % lefts)[:, None, :]
    )[..., None]
    return ops.gather(images, i) * (1 - mask) + ops.gather(fill, i) * mask, 1.0


def _covered(length, starts, size):
    """float32 `[len(starts), length]`: 1 where the window from each start covers."""
    index = np.arange(length)
    return ((index >= starts[:, None]) & (index < starts[:, None] + size)).astype(np.float32)


def compute(model, batch, size=15, stride=1, baseline=0.0):
    """The drop in score when a window over each pixel is filled with a baseline,
    `[N, H, W, C]` (the same value in every channel).

    A `size` x `size` window slides over each image; every pixel under the window
    gains `score - occluded score`. With `stride` 1, like PAIR, every window position
    runs: (H - size + 1) * (W - size + 1) forward passes per image; a larger stride is
    proportionally cheaper but covers the last rows and columns only if they fall on
    the stride grid.
    """
    n, h, w, channels = batch.shape
    size = checks.check_count("size", size)
    stride = checks.check_count("stride", stride)
    if size > min(h, w):
        raise ValueError(
            f"size: expected a window of at most min(H, W) = {min(h, w)} pixels, got {size}"
        )
    ops = model.ops
    fill = model.baseline(baseline, batch)
    tops = np.arange(0, h - size + 1, stride)
    lefts = np.arange(0, w - size + 1, stride)
    # Window k covers rows covered_rows[k // len(lefts)], columns covered_cols[k % len(lefts)].
    covered_rows, covered_cols = _covered(h, tops, size), _covered(w, lefts, size)
    original = model.scores(batch, image_points, 1)
    occluded = model.scores(
        batch,
        _occluded_points,
        len(tops) * len(lefts),
        ops.constant(covered_rows),
        ops.constant(covered_cols),
        fill,
    )
    drops = (original - occluded.reshape([-1, n])).reshape([len(tops), len(lefts), n])
    heat = np.einsum("tln,th,lw->nhw", drops, covered_rows, covered_cols)
    return np.repeat(heat[..., None], channels, axis=3).astype(np.float32)
