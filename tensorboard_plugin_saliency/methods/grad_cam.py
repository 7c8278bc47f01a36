"""Grad-CAM (Selvaraju et al. 2017), as PAIR computes it, unresized."""

from tensorboard_plugin_saliency.methods import cam


def compute(model, batch, layer=None):
    """Grad-CAM: a layer's channels weighed by their mean gradient, rectified,
    `relu(sum_c mean_hw(dS/dA_c) A_c)`, `[N, h, w]` at the layer's resolution, neither
    normalised nor upsampled."""
    activations, gradients = model.layer_gradients(batch, layer)
    return cam.weighted(activations, gradients.mean(axis=(1, 2), dtype="float32"))
