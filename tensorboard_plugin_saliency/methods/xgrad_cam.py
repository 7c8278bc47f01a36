"""XGrad-CAM (Fu et al. 2020): gradients weighed by the activations' share of their
channel's sum."""

from tensorboard_plugin_saliency.methods import cam

EPSILON = 1e-7
"""Added to each channel's activation sum, as pytorch-grad-cam does."""


def compute(model, batch, layer=None):
    """`relu(sum_c w_c A_c)` with `w_c = sum_hw(dS/dA_c * A_c) / (sum_hw A_c + 1e-7)`,
    `[N, h, w]`."""
    activations, gradients = model.layer_gradients(batch, layer)
    sums = activations.sum(axis=(1, 2), keepdims=True) + EPSILON
    weights = (gradients * activations / sums).sum(axis=(1, 2))
    return cam.weighted(activations, weights)
