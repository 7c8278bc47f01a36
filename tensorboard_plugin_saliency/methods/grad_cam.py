"""Grad-CAM (Selvaraju et al. 2017), as PAIR computes it, unresized."""

import tensorflow as tf

from tensorboard_plugin_saliency.methods import checks, engine
from tensorboard_plugin_saliency.methods import targets as _targets
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE

_LAYERS = tf.keras.layers
_CONVOLUTIONS = (
    _LAYERS.Conv2D,
    _LAYERS.Conv2DTranspose,
    _LAYERS.DepthwiseConv2D,
    _LAYERS.SeparableConv2D,
)
_POOLINGS = (
    _LAYERS.MaxPooling2D,
    _LAYERS.AveragePooling2D,
    _LAYERS.GlobalMaxPooling2D,
    _LAYERS.GlobalAveragePooling2D,
)


def _output_shape(layer):
    """The layer's output shape as a tuple, or None when it has no single output."""
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError, TypeError):
        return None


def _sublayers(layer):
    """The layers nested in `layer` (a nested model or a block), in order."""
    flatten = getattr(layer, "_flatten_layers", None)
    inner = list(flatten(include_self=False)) if flatten else list(getattr(layer, "layers", []))
    return [sub for sub in inner if not isinstance(sub, tf.keras.layers.InputLayer)]


def _is_convolution(layer):
    """Whether `layer` is a convolution, or a block of layers ending in one."""
    if isinstance(layer, _CONVOLUTIONS):
        return True
    inner = _sublayers(layer)
    return (
        bool(inner)
        and not isinstance(inner[-1], _POOLINGS)
        and any(isinstance(sub, _CONVOLUTIONS) for sub in inner)
    )


def _default_layer(layers):
    """The default Grad-CAM layer among `layers` (in order), or None.

    The last convolution (or block ending in one) with a spatial output, then any
    layers right after it that keep its output shape (batch normalisation,
    activations, dropout, a residual sum): the block's output. Never a pooling
    layer. Without a recognised convolution, the last spatial layer that is not
    a pooling layer.
    """
    spatial = [j for j, layer in enumerate(layers) if len(_output_shape(layer) or ()) == 4]
    convolutions = [j for j in spatial if _is_convolution(layers[j])]
    if not convolutions:
        rest = [j for j in spatial if not isinstance(layers[j], _POOLINGS)]
        return layers[rest[-1]] if rest else None
    chosen = layers[convolutions[-1]]
    shape = _output_shape(chosen)
    for layer in layers[convolutions[-1] + 1 :]:
        if isinstance(layer, _POOLINGS) or _output_shape(layer) != shape:
            break
        chosen = layer
    return chosen


def grad_cam_layer(model, layer=None):
    """The Keras layer whose output Grad-CAM weighs.

    Args:
      model: a Keras model.
      layer: a layer of `model` with a spatial output `[N, h, w, channels]`, or
        its name. None picks the default: the last convolution with a spatial
        output (or a nested block ending in one), together with the layers right
        after it that keep its output shape (batch normalisation, activations, a
        residual sum), never a pooling layer.

    Returns:
      The layer.

    Raises:
      TypeError: `model` is not a Keras model.
      ValueError: `layer` is not a layer of `model` with a spatial output (the
        message names it and lists the candidates), or None is given and the
        model has no such layer.
    """
    if not isinstance(model, tf.keras.Model):
        raise TypeError(f"model: grad_cam needs a Keras model, got {type(model).__name__}")
    layers = [c for c in model.layers if not isinstance(c, tf.keras.layers.InputLayer)]
    spatial = [c for c in layers if len(_output_shape(c) or ()) == 4]
    if layer is None:
        chosen = _default_layer(layers)
        if chosen is None:
            raise ValueError(
                "layer: the model has no layer with a rank-4 output [N, h, w, channels]; "
                "pass layer="
            )
        return chosen
    for candidate in spatial:
        if candidate is layer or (isinstance(layer, str) and candidate.name == layer):
            return candidate
    found = [c for c in layers if c is layer or (isinstance(layer, str) and c.name == layer)]
    why = (
        f"its output has shape {_output_shape(found[0])}"
        if found
        else "the model has no such layer"
    )
    raise ValueError(
        f"layer: expected a layer of this model with a rank-4 output [N, h, w, channels] "
        f"or its name, one of {[c.name for c in spatial]}; got {layer!r} ({why})"
    )


def grad_cam(
    model,
    images,
    targets=None,
    layer=None,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    *,
    target=None,
    output=None,
):
    """Grad-CAM: a layer's channels weighed by their mean gradient.

    For the layer's output A `[h, w, channels]`, returns
    `relu(sum_c mean_hw(dS/dA_c) A_c)` `[N, h, w]`, neither normalised nor
    upsampled. The callback records the name of the layer used (see
    `grad_cam_layer` for the default).

    Args:
      model: a functional or Sequential Keras model with a defined input.
      images, targets, batch_size, strategy, target, output: as for `gradients`.
      layer: the layer (or its name) whose output is weighed; None: the default
        of `grad_cam_layer`, the last convolution's output, never a pooling layer.

    Returns:
      float32 `[N, h, w]`.

    Raises:
      TypeError: `model` is not a Keras model with a defined input.
      ValueError: `layer` is not a spatial layer of `model`, or another
        argument is not what the method takes.
    """
    images, targets, batch_size, strategy = checks.prepare(
        model, images, targets, batch_size, strategy, target, output
    )
    conv = grad_cam_layer(model, layer)

    def build(ref):
        try:
            sub = tf.keras.Model(ref().inputs, [conv.output, _scored(ref(), targets)])
        except (AttributeError, ValueError) as e:
            raise TypeError(
                f"model: grad_cam needs a functional or Sequential "
                f"Keras model with a defined input ({e})"
            ) from None

        def cam(x, classes):
            with tf.GradientTape() as tape:
                acts, outputs = sub(x, training=False)
                picked = targets.target.score(outputs, classes)
            grads = targets.target.modify(tape.gradient(picked, acts))
            weights = tf.reduce_mean(grads, axis=(1, 2))
            return tf.nn.relu(tf.einsum("nhwc,nc->nhw", acts, weights))

        if strategy is None:
            return tf.function(cam)
        return engine.replicated(strategy, cam, (0, 1), "concat")

    key = ("grad_cam", conv.name, targets.key)
    fn = engine.traced(model, key if strategy is None else key + (strategy,), build)
    replicas = engine.local_replicas(strategy)
    return tf.concat(
        [
            fn(tf.gather(images, rows), tf.gather(targets.classes, rows))[: valid.sum()]
            for rows, valid in engine.chunks(images.shape[0], batch_size, replicas)
        ],
        axis=0,
    ).numpy()


def _scored(model, explained):
    """The Keras tensor the target scores: a layer's output, or the chosen output."""
    target = explained.target
    if target.layer is not None:
        return _targets.find_layer(model, target.layer).output
    outputs = model.outputs
    output = explained.output
    if isinstance(output, str):
        names = list(getattr(model, "output_names", []))
        if output not in names:
            raise ValueError(f"output: expected one of {names}, got {output!r}")
        output = names.index(output)
    return _targets.select_output(list(outputs), output)
