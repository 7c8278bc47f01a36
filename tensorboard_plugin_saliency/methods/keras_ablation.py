"""A copy of a Keras model in which one layer's channels can be set to zero per row,
for Ablation-CAM.

The copy is `keras.models.clone_model` of the user's Sequential or functional model
in which every layer is a thin wrapper around the user's own layer (weights shared,
as in `relu_rewrite`); the ablated layer's output is multiplied by a mask `[rows, C]`
held in a variable that the traced scoring function sets before each call. Copies
are cached per model and layer.
"""

import threading
import weakref

import tensorflow as tf

from tensorboard_plugin_saliency.methods.relu_rewrite import Wrapped

_COPIES = weakref.WeakKeyDictionary()
"""model -> {layer name: (copy, mask variable)}."""
_LOCK = threading.Lock()


def _masked(mask):
    def apply(outputs):
        shape = [-1] + [1] * (len(outputs.shape) - 2) + [outputs.shape[-1]]
        return outputs * tf.reshape(tf.cast(mask, outputs.dtype), shape)

    return apply


def ablatable(model, layer):
    """`(copy, mask)`: a copy of `model` whose `layer`'s output (channels last) is
    multiplied by the variable `mask` `[rows, channels]`, cached.

    Raises:
      TypeError: `model` is not a Sequential or functional Keras model.
    """
    if not isinstance(model, (tf.keras.Sequential, tf.keras.Model)) or not hasattr(model, "layers"):
        raise TypeError(f"model: ablation_cam needs a Keras model, got {type(model).__name__}")
    with _LOCK:
        copies = _COPIES.setdefault(model, {})
        if layer.name not in copies:
            channels = int(layer.output.shape[-1])
            mask = tf.Variable(
                tf.ones([1, channels]), shape=tf.TensorShape([None, channels]), trainable=False
            )

            def clone(inner):
                return Wrapped(inner, relu=_masked(mask) if inner is layer else None)

            try:
                copy = tf.keras.models.clone_model(model, clone_function=clone)
            except (TypeError, ValueError) as e:
                raise TypeError(
                    f"model: ablation_cam needs a Sequential or functional Keras model "
                    f"whose layers can be cloned ({e})"
                ) from None
            copies[layer.name] = (copy, mask)
        return copies[layer.name]
