"""Vanilla gradients and gradient x input: one model input per image."""

from tensorboard_plugin_saliency.methods import checks, engine
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE


def gradients(
    model,
    images,
    targets=None,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    *,
    target=None,
    output=None,
):
    """Vanilla gradients: d score / d input (the score of each image's class, or `target`).

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
      target: instead of a class, another score to explain: `methods.increase(i)`,
        `decrease(i)`, `keep(i)`, `layer_filter(layer, filter)` or a callable
        `outputs -> [N]` scores (see `methods.targets`).
      output: which output of a model with several (an index or a name).

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
    """
    images, targets, batch_size, strategy = checks.prepare(
        model, images, targets, batch_size, strategy, target, output
    )
    return engine.over_points(
        model, engine.image_points, images, targets, 1, batch_size, strategy=strategy
    ).numpy()


def gradient_x_input(
    model,
    images,
    targets=None,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    *,
    target=None,
    output=None,
):
    """Gradients times the input, elementwise.

    Args:
      model, images, targets, batch_size, strategy, target, output: as for `gradients`.

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
    """
    images, targets, batch_size, strategy = checks.prepare(
        model, images, targets, batch_size, strategy, target, output
    )
    grads = engine.over_points(
        model, engine.image_points, images, targets, 1, batch_size, strategy=strategy
    )
    return (grads * images).numpy()
