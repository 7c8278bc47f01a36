"""Grad-CAM++ (Chattopadhay et al. 2018): each channel weighed by its positive gradients,
each position's gradient by the paper's closed-form alpha."""

import numpy as np

from tensorboard_plugin_saliency.methods import cam

EPSILON = 1e-6
"""Added to alpha's denominator in the paper's form, as pytorch-grad-cam does
(tf-keras-vis, with `normalize_alpha`, adds nothing)."""


def compute(model, batch, layer=None, normalize_alpha=False):
    """`relu(sum_c w_c A_c)` with `w_c = sum_hw alpha * relu(dS/dA_c)` and
    `alpha = g^2 / (2 g^2 + sum_hw(A_c) g^3)` (0 where g = 0), `[N, h, w]`.

    The paper's closed form, as pytorch-grad-cam computes it. `normalize_alpha`
    divides each channel's alpha by its sum over positions first, and leaves the
    epsilon out of alpha's denominator, as tf-keras-vis 0.8 does.
    """
    activations, gradients = model.layer_gradients(batch, layer)
    g = gradients.astype(np.float64)  # 2 g^2 + sum(A) g^3 cancels where g < 0
    squared = g * g
    sums = activations.sum(axis=(1, 2), keepdims=True, dtype=np.float64)
    denominator = 2 * squared + sums * squared * g
    if not normalize_alpha:
        denominator = denominator + EPSILON
    defined = (g != 0) & (denominator != 0)
    alpha = np.divide(squared, denominator, out=np.zeros_like(g), where=defined)
    if normalize_alpha:
        total = alpha.sum(axis=(1, 2), keepdims=True)
        alpha = alpha / np.where(total != 0, total, 1.0)
    weights = (np.maximum(g, 0) * alpha).sum(axis=(1, 2), dtype=np.float64)
    return cam.weighted(activations, weights)
