"""Grad-CAM (Selvaraju et al. 2017), as PAIR computes it, unresized."""

import tensorflow as tf

from tensorboard_plugin_saliency.methods import checks, engine
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE


def _find_conv_layer(model, layer):
    """The Keras layer for Grad-CAM: `layer` (name or object) or the last rank-4."""
    if not isinstance(model, tf.keras.Model):
        raise TypeError(f"model: grad_cam needs a Keras model, got {type(model).__name__}")
    rank4 = []
    for candidate in model.layers:
        try:
            if len(candidate.output.shape) == 4 and not isinstance(
                candidate, tf.keras.layers.InputLayer
            ):
                rank4.append(candidate)
        except (AttributeError, ValueError, TypeError):
            pass
    if layer is None:
        if not rank4:
            raise ValueError(
                "layer: the model has no layer with a rank-4 output [N, h, w, channels]; "
                "pass layer="
            )
        return rank4[-1]
    names = [c.name for c in rank4]
    if isinstance(layer, str):
        for candidate in rank4:
            if candidate.name == layer:
                return candidate
        raise ValueError(
            f"layer: expected the name of a layer with a rank-4 "
            f"output, one of {names}; got {layer!r}"
        )
    if any(layer is c for c in rank4):
        return layer
    raise ValueError(
        f"layer: expected a layer of this model with a rank-4 output, one of {names}; got {layer!r}"
    )


def grad_cam(model, images, targets=None, layer=None, batch_size=DEFAULT_BATCH_SIZE):
    """Grad-CAM: a layer's channels weighed by their mean gradient.

    For the layer's output A `[h, w, channels]`, returns
    `relu(sum_c mean_hw(dS/dA_c) A_c)` `[N, h, w]`, neither normalised nor
    upsampled.

    Args:
      model: a functional or Sequential Keras model with a defined input.
      images, targets, batch_size: as for `gradients`.
      layer: the layer (or its name) whose output is weighed; None: the last
        layer with a rank-4 output.

    Returns:
      float32 `[N, h, w]`.

    Raises:
      TypeError: `model` is not a Keras model with a defined input.
      ValueError: `layer` is not a rank-4 layer of `model`, or another
        argument is not what the method takes.
    """
    images, targets, batch_size = checks.prepare(model, images, targets, batch_size)
    conv = _find_conv_layer(model, layer)

    def build(ref):
        try:
            sub = tf.keras.Model(ref().inputs, [conv.output, ref().outputs[0]])
        except (AttributeError, ValueError) as e:
            raise TypeError(
                f"model: grad_cam needs a functional or Sequential "
                f"Keras model with a defined input ({e})"
            ) from None

        @tf.function
        def cam(x, t):
            with tf.GradientTape() as tape:
                acts, scores = sub(x, training=False)
                picked = tf.gather(scores, t, batch_dims=1)
            weights = tf.reduce_mean(tape.gradient(picked, acts), axis=(1, 2))
            return tf.nn.relu(tf.einsum("nhwc,nc->nhw", acts, weights))

        return cam

    fn = engine.traced(model, ("grad_cam", conv.name), build)
    return tf.concat(
        [
            fn(tf.gather(images, rows), tf.gather(targets, rows))[: valid.sum()]
            for rows, valid in engine.chunks(images.shape[0], batch_size)
        ],
        axis=0,
    ).numpy()
