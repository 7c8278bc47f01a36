"""Occlusion (Zeiler & Fergus 2014), as PAIR computes it. Gradient-free."""

import numpy as np
import tensorflow as tf

from tensorboard_plugin_saliency.methods import checks, engine
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE


def _occluded_points(images, k, i, covered_rows, covered_cols, fill):
    """Image i with window k filled from `fill`."""
    lefts = tf.shape(covered_cols)[0]
    mask = (
        tf.gather(covered_rows, k // lefts)[:, :, None]
        * tf.gather(covered_cols, k % lefts)[:, None, :]
    )[..., None]
    return tf.gather(images, i) * (1 - mask) + tf.gather(fill, i) * mask, 1.0


def _covered(length, starts, size):
    """float32 `[len(starts), length]`: 1 where the window from each start covers."""
    index = np.arange(length)
    return ((index >= starts[:, None]) & (index < starts[:, None] + size)).astype(np.float32)


def occlusion(
    model,
    images,
    targets=None,
    size=15,
    stride=1,
    baseline=0.0,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    target=None,
    output=None,
):
    """The drop in score when a window over each pixel is filled with a baseline.

    A `size` x `size` window slides over each image; every pixel under the
    window gains `score - occluded score`. With `stride` 1, like PAIR, every
    window position runs: (H - size + 1) * (W - size + 1) forward passes per
    image; a larger stride is proportionally cheaper but covers the last rows
    and columns only if they fall on the stride grid.

    Args:
      model, images, targets, batch_size, strategy, target, output: as for `gradients`.
      size: the window's side in pixels (an int from 1 to min(H, W)).
      stride: pixels between window positions (an int >= 1).
      baseline: what fills the window, a number or an array broadcastable to
        `images`.

    Returns:
      float32 `[N, H, W, C]`, the same value in every channel.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
    """
    images, targets, batch_size, strategy = checks.prepare(
        model, images, targets, batch_size, strategy, target, output
    )
    n, h, w, channels = images.shape
    size = checks.check_count("size", size)
    stride = checks.check_count("stride", stride)
    if size > min(h, w):
        raise ValueError(
            f"size: expected a window of at most min(H, W) = {min(h, w)} pixels, got {size}"
        )
    fill = checks.broadcast_baseline(baseline, images)
    tops = np.arange(0, h - size + 1, stride)
    lefts = np.arange(0, w - size + 1, stride)
    # Window k covers rows covered_rows[k // len(lefts)], columns
    # covered_cols[k % len(lefts)].
    covered_rows, covered_cols = _covered(h, tops, size), _covered(w, lefts, size)
    original = engine.over_points(
        model,
        engine.image_points,
        images,
        targets,
        1,
        batch_size,
        backward=False,
        strategy=strategy,
    )
    occluded = engine.over_points(
        model,
        _occluded_points,
        images,
        targets,
        len(tops) * len(lefts),
        batch_size,
        tf.constant(covered_rows),
        tf.constant(covered_cols),
        fill,
        backward=False,
        strategy=strategy,
    )
    drops = (original - occluded.reshape([-1, n])).reshape([len(tops), len(lefts), n])
    heat = np.einsum("tln,th,lw->nhw", drops, covered_rows, covered_cols)
    return np.repeat(heat[..., None], channels, axis=3).astype(np.float32)
