"""FullGrad (Srinivas & Fleuret 2019): the input-gradient term `|dS/dx * x|` plus, for
every convolution and batch normalisation with a bias, the bias-gradient term
`|b * dS/dz|` (z the layer's output), each rescaled, upsampled to the image and
summed over channels and layers. No layer is chosen: every bias counts."""

import numpy as np

from tensorboard_plugin_saliency.methods import checks, resize

SCALES = ("layer", "channel")
"""How each term is rescaled to [0, 1] per image before it is summed: over the whole
layer ("layer": the paper's code, upsampled with the corners aligned) or channel by
channel ("channel": pytorch-grad-cam, upsampled as `cv2.resize`)."""

EPSILON = {"layer": 1e-6, "channel": 1e-7}
"""Added to each term's maximum before dividing by it, as each reference does."""


def _scaled_sum(term, size, scale):
    """float64 `[N, H, W]`: one term `[N, h, w, C]`, made non-negative, rescaled,
    summed over channels and upsampled to `size`.

    Rescaling is linear, so it is applied to the channels' sum: `sum_c (a_c - lo) /
    (hi - lo + eps)`, with `lo`, `hi` the layer's (or each channel's) extremes."""
    term = np.abs(term.astype(np.float32))
    channels = term.shape[3]
    if scale == "layer":
        low = term.min(axis=(1, 2, 3)).astype(np.float64)[:, None, None]
        span = term.max(axis=(1, 2, 3)).astype(np.float64)[:, None, None] - low + EPSILON[scale]
        summed = (term.sum(axis=3, dtype=np.float64) - channels * low) / span
    else:
        low = term.min(axis=(1, 2)).astype(np.float64)
        span = term.max(axis=(1, 2)).astype(np.float64) - low + EPSILON[scale]
        weighted = np.einsum("nhwc,nc->nhw", term, (1 / span).astype(np.float32))
        summed = weighted.astype(np.float64) - (low / span).sum(axis=1)[:, None, None]
    if summed.shape[1:] == tuple(size):
        return summed
    if scale == "channel":
        return resize.resize(summed, size).astype(np.float64)
    rows = resize.interpolation_matrix(summed.shape[1], size[0]).astype(np.float64)
    cols = resize.interpolation_matrix(summed.shape[2], size[1]).astype(np.float64)
    return rows @ summed @ cols.T


def compute(model, batch, scale="layer"):
    """The sum of the input-gradient term and every bias-gradient term, each made
    non-negative, rescaled to [0, 1] per image (over the layer or channel by channel,
    see `SCALES`) and upsampled to the image, `[N, H, W]`.

    Costs one forward and one backward pass, which give the input's gradients and
    every layer's output gradients.
    """
    checks.check_choice("scale", scale, SCALES)
    size = batch.shape[1:3]
    gradients, terms = model.full_gradients(batch)
    total = _scaled_sum(gradients * model.ops.numpy(batch.images), size, scale)
    for term in terms:
        total += _scaled_sum(term, size, scale)
    return total.astype(np.float32)
