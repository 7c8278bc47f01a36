"""Guided Grad-CAM (Selvaraju et al. 2017): guided backprop times upsampled Grad-CAM."""

import tensorflow as tf

from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE
from tensorboard_plugin_saliency.methods.grad_cam import grad_cam
from tensorboard_plugin_saliency.methods.guided_backprop import guided_backprop

INTERPOLATIONS = ("bilinear", "nearest")


def guided_grad_cam(
    model,
    images,
    targets=None,
    layer=None,
    interpolation="bilinear",
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    *,
    target=None,
    output=None,
):
    """Guided Grad-CAM: `guided_backprop` times `grad_cam` upsampled to the image size.

    The Grad-CAM map `[h, w]` (neither normalised, as Captum's `GuidedGradCam`, nor
    clipped beyond Grad-CAM's own ReLU) is resized to `[H, W]` with `interpolation`
    and multiplies every channel of the guided backprop map. Each of the two runs
    over all images in batches, as the methods do alone.

    Args:
      model: a Sequential or functional Keras model, as for `guided_backprop`.
      images, targets, batch_size, strategy, target, output: as for `gradients`.
      layer: Grad-CAM's layer (or its name); None: the default of `grad_cam_layer`.
      interpolation: how the map is upsampled: "bilinear" (Selvaraju et al.) or
        "nearest" (Captum's default).

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError, ValueError: as for `guided_backprop` and `grad_cam`, or
        `interpolation` is not one of `INTERPOLATIONS`.
    """
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation: expected one of {INTERPOLATIONS}, got {interpolation!r}")
    guided = guided_backprop(
        model, images, targets, batch_size, strategy, target=target, output=output
    )
    cams = grad_cam(
        model, images, targets, layer, batch_size, strategy, target=target, output=output
    )
    upsampled = tf.image.resize(cams[..., None], guided.shape[1:3], method=interpolation)
    return guided * upsampled.numpy()
