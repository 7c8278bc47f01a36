"""FullGrad (Srinivas & Fleuret 2019): the input-gradient term `|dS/dx * x|` plus, for
every convolution and batch normalisation with a bias, the bias-gradient term
`|b * dS/dz|` (z the layer's output), each rescaled, upsampled to the image and
summed over channels and layers. No layer is chosen: every bias counts."""

import numpy as np

from tensorboard_plugin_saliency.methods import checks, resize
from tensorboard_plugin_saliency.methods.adapter import image_points

SCALES = ("layer", "channel")
"""How each term is rescaled to [0, 1] per image before it is summed: over the whole
layer ("layer": the paper's code, upsampled with the corners aligned) or channel by
channel ("channel": pytorch-grad-cam, upsampled as `cv2.resize`)."""

EPSILON = {"layer": 1e-6, "channel": 1e-7}
"""Added to each term's maximum before dividing by it, as each reference does."""


def _scaled_sum(term, size, scale):
    """float64 `[N, H, W]`: one term `[N, h, w, C]`, made non-negative, rescaled,
    summed over channels and upsampled to `size`."""
    term = np.abs(term.astype(np.float64))
    axes = (1, 2, 3) if scale == "layer" else (1, 2)
    term = term - term.min(axis=axes, keepdims=True)
    term = term / (term.max(axis=axes, keepdims=True) + EPSILON[scale])
    summed = term.sum(axis=3)  # upsampling is linear: sum first
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

    Costs two backward passes: one for the input gradients, one for every layer's
    output gradients.
    """
    checks.check_choice("scale", scale, SCALES)
    size = batch.shape[1:3]
    gradients = model.ops.numpy(model.input_gradients(batch, image_points, 1))
    total = _scaled_sum(gradients * model.ops.numpy(batch.images), size, scale)
    for term in model.bias_gradients(batch):
        total += _scaled_sum(term, size, scale)
    return total.astype(np.float32)
