"""Integrated Gradients (Sundararajan et al. 2017), as PAIR computes it."""

import numpy as np
import tensorflow as tf

from tensorboard_plugin_saliency.methods import checks, engine
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE


def _line_points(images, k, i, baseline, alphas):
    """Step k on the straight line from image i's baseline to image i."""
    start = tf.gather(baseline, i)
    alpha = tf.reshape(tf.gather(alphas, k), [-1, 1, 1, 1])
    return start + alpha * (tf.gather(images, i) - start), 1.0


def integrated_gradients(
    model,
    images,
    targets=None,
    steps=25,
    baseline=None,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    target=None,
    output=None,
):
    """Integrated Gradients along the straight line from a baseline to each image.

    Computes `sum_k grad(baseline + alpha_k (x - baseline)) * (x - baseline) / steps`
    with `alpha = linspace(0, 1, steps)` (both ends included), as PAIR does.

    Args:
      model, images, targets, batch_size, strategy, target, output: as for `gradients`.
      steps: points on the path per image (an int >= 1).
      baseline: the path's start, anything broadcastable to `images`; default zeros.

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
    """
    images, targets, batch_size, strategy = checks.prepare(
        model, images, targets, batch_size, strategy, target, output
    )
    steps = checks.check_count("steps", steps)
    if baseline is None:
        baseline = tf.zeros_like(images)
    else:
        baseline = checks.broadcast_baseline(baseline, images)
    alphas = tf.constant(np.linspace(0, 1, steps), tf.float32)
    total = engine.over_points(
        model,
        _line_points,
        images,
        targets,
        steps,
        batch_size,
        baseline,
        alphas,
        strategy=strategy,
    )
    return (total * (images - baseline) / steps).numpy()
