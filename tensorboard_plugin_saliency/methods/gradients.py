"""Vanilla gradients and gradient x input: one model input per image."""

from tensorboard_plugin_saliency.methods import checks, engine
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE


def gradients(model, images, targets=None, batch_size=DEFAULT_BATCH_SIZE, strategy=None):
    """Vanilla gradients: d score[target] / d input.

    Args:
      model: a callable (e.g. a Keras model) from `[N, H, W, C]` to `[N, classes]`.
      images: the inputs, `[N, H, W, C]`.
      targets: class indices `[N]` (or one for all) or one-hot rows `[N, classes]`; default: the
        model's predicted class.
      batch_size: largest number of model inputs per model call.
      strategy: a `tf.distribute.Strategy` whose replicas on this worker share the
        model inputs (each chunk split into equal per-replica slices run with
        `strategy.run`, the results gathered back in order; `batch_size` is then
        per replica). Default: the strategy of the enclosing `strategy.scope()`,
        none outside one. With one local replica, or none, everything runs on one
        device. Under `MultiWorkerMirroredStrategy` only this worker's replicas
        take part and no collective op runs, so a worker may call it alone.

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
    """
    images, targets, batch_size, strategy = checks.prepare(
        model, images, targets, batch_size, strategy
    )
    return engine.over_points(
        model, engine.image_points, images, targets, 1, batch_size, strategy=strategy
    ).numpy()


def gradient_x_input(model, images, targets=None, batch_size=DEFAULT_BATCH_SIZE, strategy=None):
    """Gradients times the input, elementwise.

    Args:
      model, images, targets, batch_size, strategy: as for `gradients`.

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
    """
    images, targets, batch_size, strategy = checks.prepare(
        model, images, targets, batch_size, strategy
    )
    grads = engine.over_points(
        model, engine.image_points, images, targets, 1, batch_size, strategy=strategy
    )
    return (grads * images).numpy()
