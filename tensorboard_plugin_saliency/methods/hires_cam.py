"""HiResCAM (Draelos & Carin 2020) and Grad-CAM element-wise: a layer's gradients times
its activations, position by position."""

import numpy as np

from tensorboard_plugin_saliency.methods import cam


def hires_cam(model, batch, layer=None):
    """`relu(sum_c dS/dA_c * A_c)`, `[N, h, w]`: HiResCAM (pytorch-grad-cam's)."""
    activations, gradients = model.layer_gradients(batch, layer)
    return cam.rectified((gradients * activations).sum(axis=-1))


def grad_cam_elementwise(model, batch, layer=None):
    """`relu(sum_c relu(dS/dA_c * A_c))`, `[N, h, w]`: Grad-CAM element-wise
    (pytorch-grad-cam's `GradCAMElementWise`)."""
    activations, gradients = model.layer_gradients(batch, layer)
    return cam.rectified(np.maximum(gradients * activations, 0).sum(axis=-1))
