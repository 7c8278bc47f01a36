"""Blur Integrated Gradients (Xu et al. 2020), as PAIR's `BlurIG` computes it."""

import math

import numpy as np
import tensorflow as tf

from tensorboard_plugin_saliency.methods import checks, engine
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE


def blur_matrices(sigmas, length):
    """Matrices M [len(sigmas), L, L] with M[s] @ v = scipy's 1-D Gaussian blur.

    Same kernel as `scipy.ndimage.gaussian_filter1d(mode="constant")`
    (truncate=4, radius int(4 sigma + 0.5)); sigma 0 is the identity.
    """
    offsets = np.arange(length)[None, :] - np.arange(length)[:, None]
    mats = np.zeros([len(sigmas), length, length])
    for s, sigma in enumerate(sigmas):
        radius = int(4.0 * sigma + 0.5)
        if sigma <= 1e-15 or radius == 0:
            mats[s] = np.eye(length)
            continue
        kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
        kernel /= kernel.sum()
        inside = np.abs(offsets) <= radius
        mats[s][inside] = kernel[offsets[inside] + radius]
    return tf.constant(mats, tf.float32)


def _blur_points(images, k, i, blur_h, blur_w, dsigma, grad_step):
    """Image i blurred at step k, weighted by the path's finite-difference slope."""
    x = tf.gather(images, i)
    rows, h, w, c = tf.unstack(tf.shape(x))

    def blur(s):  # s indexes the separable blur matrices; two batched matmuls.
        y = tf.reshape(tf.gather(blur_h, s) @ tf.reshape(x, [rows, h, w * c]), [rows, h, w, c])
        y = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [rows, w, h * c])
        y = tf.reshape(tf.gather(blur_w, s) @ y, [rows, w, h, c])
        return tf.transpose(y, [0, 2, 1, 3])

    x_step = blur(k)
    slope = (blur(k + tf.shape(dsigma)[0]) - x_step) / grad_step
    return x_step, -tf.reshape(tf.gather(dsigma, k), [-1, 1, 1, 1]) * slope


def blur_integrated_gradients(
    model,
    images,
    targets=None,
    steps=100,
    max_sigma=50.0,
    grad_step=0.01,
    sqrt=False,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    target=None,
    output=None,
):
    """Integrated gradients along the path from a blurred image back to the image.

    Sigmas run `i * max_sigma / steps` (or their square roots with `sqrt=True`),
    i = 0..steps, and the path derivative is a finite difference with step
    `grad_step` in sigma. The blur is scipy's `gaussian_filter` (zero padding),
    done as two small matrix products.

    Args:
      model, images, targets, batch_size, strategy, target, output: as for `gradients`.
      steps: points on the path per image (an int >= 1).
      max_sigma: the Gaussian sigma of the path's fully blurred end (> 0).
      grad_step: the finite-difference step in sigma (> 0).
      sqrt: whether the sigmas are spaced as square roots.

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
    """
    images, targets, batch_size, strategy = checks.prepare(
        model, images, targets, batch_size, strategy, target, output
    )
    steps = checks.check_count("steps", steps)
    if not max_sigma > 0:
        raise ValueError(f"max_sigma: expected a number > 0, got {max_sigma!r}")
    if not grad_step > 0:
        raise ValueError(f"grad_step: expected a number > 0, got {grad_step!r}")
    sigmas = [float(i) * max_sigma / float(steps) for i in range(steps + 1)]
    if sqrt:
        sigmas = [math.sqrt(s) for s in sigmas]
    # Matrices for sigmas[k], then for sigmas[k] + grad_step, k < steps.
    both = sigmas[:-1] + [s + grad_step for s in sigmas[:-1]]
    _, h, w, _ = images.shape
    return engine.over_points(
        model,
        _blur_points,
        images,
        targets,
        steps,
        batch_size,
        blur_matrices(both, h),
        blur_matrices(both, w),
        tf.constant(np.diff(sigmas), tf.float32),
        tf.constant(grad_step, tf.float32),
        strategy=strategy,
    ).numpy()
