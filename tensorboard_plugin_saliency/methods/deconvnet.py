"""DeconvNet (Zeiler & Fergus 2014): gradients whose ReLUs pass back positive gradients."""

from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE
from tensorboard_plugin_saliency.methods.guided_backprop import modified_relu_gradients


def deconvnet(
    model,
    images,
    targets=None,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    *,
    target=None,
    output=None,
):
    """DeconvNet: gradients in which each ReLU passes back the positive part of the
    gradient, whatever its input was in the forward pass.

    The model is not changed (see `guided_backprop`).

    Args:
      model: a Sequential or functional Keras model, as for `guided_backprop`.
      images, targets, batch_size, strategy, target, output: as for `gradients`.

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError, ValueError: as for `guided_backprop`.
    """
    return modified_relu_gradients(
        "deconvnet", "deconvnet", model, images, targets, batch_size, strategy, target, output
    )
