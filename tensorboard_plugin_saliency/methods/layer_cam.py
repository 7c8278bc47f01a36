"""LayerCAM (Jiang et al. 2021): each position's activations weighed by their own
positive gradients."""

import numpy as np

from tensorboard_plugin_saliency.methods import cam


def compute(model, batch, layer=None):
    """`relu(sum_c relu(dS/dA_c) * A_c)`, `[N, h, w]`."""
    activations, gradients = model.layer_gradients(batch, layer)
    return cam.rectified((np.maximum(gradients, 0) * activations).sum(axis=-1))
