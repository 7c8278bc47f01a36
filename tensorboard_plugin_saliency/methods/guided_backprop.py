"""Guided backpropagation (Springenberg et al. 2015): gradients through rewritten ReLUs."""

from tensorboard_plugin_saliency.methods import checks, engine, relu_rewrite
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE


def modified_relu_gradients(
    rule, method, model, images, targets, batch_size, strategy, target, output
):
    """d score / d input through the copy of `model` whose ReLUs follow `rule`
    (see `relu_rewrite`): one model input per image, batched like `gradients`."""
    images, targets, batch_size, strategy = checks.prepare(
        model, images, targets, batch_size, strategy, target, output
    )
    copy = relu_rewrite.rewritten(model, rule, method)
    return engine.over_points(
        copy, engine.image_points, images, targets, 1, batch_size, strategy=strategy
    ).numpy()


def guided_backprop(
    model,
    images,
    targets=None,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    *,
    target=None,
    output=None,
):
    """Guided backprop: gradients in which each ReLU passes back only positive
    gradients, and only where its input was positive.

    The model is not changed: a copy of it that shares its weights, with each ReLU's
    gradient rewritten, is made on first use and cached (see `relu_rewrite`).

    Args:
      model: a Sequential or functional Keras model whose ReLUs are `ReLU()` or
        `Activation("relu")` layers or the `activation="relu"` of Dense and
        convolution layers (nested Sequential / functional models too).
      images, targets, batch_size, strategy, target, output: as for `gradients`.

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      TypeError: `model` is not a Sequential or functional Keras model.
      ValueError: a layer of `model` may apply a ReLU that cannot be rewritten (a
        `Lambda`, a custom layer) or another rectifier (relu6, leaky ReLU, GELU, ...);
        the message names the layer. Or another argument is not what the method takes.
    """
    return modified_relu_gradients(
        "guided", "guided_backprop", model, images, targets, batch_size, strategy, target, output
    )
