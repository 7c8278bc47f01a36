"""EigenCAM (Muhammad & Yeasin 2020) and Eigen-Grad-CAM: a layer's activations (times
their gradients) projected on their first principal component."""

from tensorboard_plugin_saliency.methods import cam


def eigen_cam(model, batch, layer=None, sign_correction=True):
    """The activations' projection on their first principal component, rectified,
    `[N, h, w]`; forward only, with no target (the map is the same for every class).
    `sign_correction=False` keeps the singular vector's arbitrary sign, as
    pytorch-grad-cam does (see `cam.first_component`)."""
    return cam.rectified(
        cam.first_component(model.layer_activations(batch, layer), sign_correction)
    )


def eigen_grad_cam(model, batch, layer=None, sign_correction=True):
    """The same projection of the activations times their gradients, `[N, h, w]`
    (pytorch-grad-cam's `EigenGradCAM`)."""
    activations, gradients = model.layer_gradients(batch, layer)
    return cam.rectified(cam.first_component(activations * gradients, sign_correction))
