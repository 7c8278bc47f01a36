"""Guided Grad-CAM (Selvaraju et al. 2017): guided backprop times upsampled Grad-CAM."""

from tensorboard_plugin_saliency.methods import checks, resize
from tensorboard_plugin_saliency.methods.grad_cam import compute as grad_cam
from tensorboard_plugin_saliency.methods.guided_backprop import guided_backprop

INTERPOLATIONS = ("bilinear", "nearest")


def compute(model, batch, layer=None, interpolation="bilinear"):
    """`guided_backprop` times `grad_cam` upsampled to the image size, `[N, H, W, C]`.

    The Grad-CAM map `[h, w]` (neither normalised, as Captum's `GuidedGradCam`, nor
    clipped beyond Grad-CAM's own ReLU) is resized to `[H, W]` with `interpolation`
    ("bilinear", Selvaraju et al.; or "nearest", Captum's default) and multiplies every
    channel of the guided backprop map.
    """
    checks.check_choice("interpolation", interpolation, INTERPOLATIONS)
    guided = guided_backprop(model, batch)
    cams = grad_cam(model, batch, layer)
    upsampled = resize.resize(cams, guided.shape[1:3], interpolation)
    return guided * upsampled[..., None]
