"""Vanilla gradients and gradient x input: one model input per image."""

from tensorboard_plugin_saliency.methods import checks, engine
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE


def gradients(model, images, targets=None, batch_size=DEFAULT_BATCH_SIZE):
    """Vanilla gradients: d score[target] / d input.

    Args:
      model: a callable (e.g. a Keras model) from `[N, H, W, C]` to `[N, classes]`.
      images: the inputs, `[N, H, W, C]`.
      targets: class indices `[N]` (or one for all) or one-hot rows `[N, classes]`; default: the
        model's predicted class.
      batch_size: largest number of model inputs per model call.

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
    """
    images, targets, batch_size = checks.prepare(model, images, targets, batch_size)
    return engine.over_points(model, engine.image_points, images, targets, 1, batch_size).numpy()


def gradient_x_input(model, images, targets=None, batch_size=DEFAULT_BATCH_SIZE):
    """Gradients times the input, elementwise.

    Args:
      model, images, targets, batch_size: as for `gradients`.

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
    """
    images, targets, batch_size = checks.prepare(model, images, targets, batch_size)
    grads = engine.over_points(model, engine.image_points, images, targets, 1, batch_size)
    return (grads * images).numpy()
