"""Blur Integrated Gradients (Xu et al. 2020), as PAIR's `BlurIG` computes it."""

import math

import numpy as np

from tensorboard_plugin_saliency.methods import checks


def blur_matrices(sigmas, length):
    """float32 matrices M `[len(sigmas), L, L]` with M[s] @ v = scipy's 1-D Gaussian blur.

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
    return mats.astype(np.float32)


def blur(ops, x, rows_matrix, cols_matrix):
    """`x` `[rows, H, W, C]` blurred: `rows_matrix` `[rows, H, H]` along the height and
    `cols_matrix` `[rows, W, W]` along the width, as two batched matrix products."""
    rows, h, w, c = (int(d) for d in x.shape)
    y = ops.reshape(rows_matrix @ ops.reshape(x, [rows, h, w * c]), [rows, h, w, c])
    y = ops.reshape(ops.transpose(y, [0, 2, 1, 3]), [rows, w, h * c])
    y = ops.reshape(cols_matrix @ y, [rows, w, h, c])
    return ops.transpose(y, [0, 2, 1, 3])


def _blur_points(ops, images, k, i, blur_h, blur_w, dsigma, grad_step):
    """Image i blurred at step k, weighted by the path's finite-difference slope."""
    x = ops.gather(images, i)
    steps = int(dsigma.shape[0])
    x_step = blur(ops, x, ops.gather(blur_h, k), ops.gather(blur_w, k))
    ahead = blur(ops, x, ops.gather(blur_h, k + steps), ops.gather(blur_w, k + steps))
    slope = (ahead - x_step) / grad_step
    return x_step, -ops.reshape(ops.gather(dsigma, k), [-1, 1, 1, 1]) * slope


def compute(model, batch, steps=100, max_sigma=50.0, grad_step=0.01, sqrt=False):
    """Integrated gradients along the path from a blurred image back to the image,
    `[N, H, W, C]`.

    Sigmas run `i * max_sigma / steps` (or their square roots with `sqrt=True`),
    i = 0..steps, and the path derivative is a finite difference with step
    `grad_step` in sigma. The blur is scipy's `gaussian_filter` (zero padding), done
    as two small matrix products.
    """
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
    _, h, w, _ = batch.shape
    ops = model.ops
    return ops.numpy(
        model.input_gradients(
            batch,
            _blur_points,
            steps,
            ops.constant(blur_matrices(both, h)),
            ops.constant(blur_matrices(both, w)),
            ops.constant(np.diff(sigmas)),
            ops.constant(np.float32(grad_step)),
        )
    )
