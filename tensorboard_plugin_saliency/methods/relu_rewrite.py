"""A copy of a Keras model whose ReLUs have another gradient, for guided backprop
and deconvnet.

The copy is `keras.models.clone_model` of the user's Sequential or functional
model in which every layer is a thin wrapper around the user's own layer (so the
weights are shared and stay current during training, and the user's model and
layers are never changed). A ReLU, as a `ReLU()` layer, an `Activation("relu")`
layer or the `activation="relu"` of a Dense or convolution layer, becomes a
`tf.custom_gradient` op with the same forward pass and the rule's backward pass:

- guided backprop (Springenberg et al. 2015): `relu(dy)` where the ReLU's input
  was positive, else 0;
- deconvnet (Zeiler & Fergus 2014): `relu(dy)`, whatever the input was.

Layers that may hide a ReLU this cannot find (a `Lambda`, a custom layer, a
built-in layer holding other layers with ReLUs) and other rectifiers (relu6,
leaky ReLU, ELU, GELU, swish, ...) raise a `ValueError` naming the layer. Other
activations (linear, softmax, log_softmax, sigmoid, tanh) keep their gradient.
Copies are cached per model and rule.
"""

import threading
import weakref

import tensorflow as tf
from keras.src.models.functional import Functional

_KERAS = tf.keras
_LAYERS = _KERAS.layers
_ACTS = _KERAS.activations


@tf.custom_gradient
def guided_relu(x):
    """ReLU whose gradient is `relu(dy)` where `x > 0`, else 0."""
    y = tf.nn.relu(x)
    return y, lambda dy: tf.raw_ops.ReluGrad(gradients=tf.nn.relu(dy), features=y)


@tf.custom_gradient
def deconvnet_relu(x):
    """ReLU whose gradient is `relu(dy)`."""
    return tf.nn.relu(x), tf.nn.relu


RULES = {"guided": guided_relu, "deconvnet": deconvnet_relu}
"""Rule name -> the ReLU that replaces each ReLU of the model."""

_RELU = (_ACTS.relu, _KERAS.ops.relu, tf.nn.relu)
_KEPT = (
    _ACTS.linear,
    _ACTS.softmax,
    _ACTS.log_softmax,
    _ACTS.sigmoid,
    _ACTS.tanh,
    tf.identity,
    tf.nn.softmax,
    tf.nn.log_softmax,
    tf.math.sigmoid,
    tf.math.tanh,
    None,
)
# Layers that apply `self.activation` to their result last: a ReLU there is split off.
_ACTIVATED = (
    _LAYERS.Dense,
    _LAYERS.EinsumDense,
    _LAYERS.Conv1D,
    _LAYERS.Conv2D,
    _LAYERS.Conv3D,
    _LAYERS.Conv1DTranspose,
    _LAYERS.Conv2DTranspose,
    _LAYERS.Conv3DTranspose,
    _LAYERS.SeparableConv1D,
    _LAYERS.SeparableConv2D,
    _LAYERS.DepthwiseConv1D,
    _LAYERS.DepthwiseConv2D,
)
_OPAQUE = (_LAYERS.Lambda, _LAYERS.TFSMLayer)
_RECTIFIERS = (_LAYERS.LeakyReLU, _LAYERS.PReLU, _LAYERS.ELU)
_SUPPORTED = (
    "it rewrites ReLU(), Activation('relu') and activation='relu' of Dense and "
    "convolution layers, and keeps linear, softmax, log_softmax, sigmoid and tanh"
)


def _activation_name(fn):
    return getattr(fn, "__name__", repr(fn))


def _is_model(layer):
    return isinstance(layer, (_KERAS.Sequential, Functional))


def _kind(layer):
    """How the copy runs `layer`: "relu" (a ReLU, replaced), "activated" (its
    activation is a ReLU, split off) or "kept" (called as it is); raises a
    ValueError (without the layer's name) when it cannot be rewritten."""
    cls = type(layer).__name__
    if not type(layer).__module__.startswith("keras."):
        raise ValueError(
            f"it is a custom layer ({cls}) whose call may apply a ReLU that cannot be "
            f"found; build the model from Keras layers"
        )
    if isinstance(layer, _OPAQUE):
        raise ValueError(f"its computation ({cls}) is opaque and may apply a ReLU")
    if isinstance(layer, _RECTIFIERS):
        raise ValueError(f"it is a {cls} rectifier, not a ReLU")
    if isinstance(layer, _LAYERS.ReLU):
        if layer.max_value is None and layer.negative_slope == 0 and layer.threshold == 0:
            return "relu"
        raise ValueError(
            f"it is ReLU(max_value={layer.max_value}, negative_slope={layer.negative_slope}, "
            f"threshold={layer.threshold}), not a plain ReLU"
        )
    for attribute in ("activation", "recurrent_activation"):
        fn = getattr(layer, attribute, None)
        if fn is None or any(fn is kept for kept in _KEPT):
            continue
        if any(fn is relu for relu in _RELU):
            if isinstance(layer, _LAYERS.Activation):
                return "relu"
            if isinstance(layer, _ACTIVATED) and attribute == "activation":
                return "activated"
            raise ValueError(f"its ReLU {attribute} is applied inside {cls}, out of reach")
        raise ValueError(f"its {attribute} {_activation_name(fn)!r} is not a ReLU")
    for inner in layer._flatten_layers(include_self=False):
        try:
            if _kind(inner) != "kept":
                raise ValueError(f"a ReLU (in {inner.name!r})")
        except ValueError as e:
            raise ValueError(f"it holds layer {inner.name!r}: {e}") from None
    return "kept"


def _check(model, method, prefix=""):
    """Raises a ValueError naming the first layer of `model` that cannot be rewritten."""
    for layer in model.layers:
        if isinstance(layer, _LAYERS.InputLayer):
            continue
        path = prefix + layer.name
        if _is_model(layer):
            _check(layer, method, path + "/")
            continue
        try:
            _kind(layer)
        except ValueError as e:
            raise ValueError(
                f"model: {method} cannot rewrite the ReLUs of layer {path!r} "
                f"({type(layer).__name__}): {e}; {_SUPPORTED}"
            ) from None


class Wrapped(_LAYERS.Layer):
    """A layer of the user's model inside the copy: calls it (or its linear twin,
    then `relu`), without tracking it, so that the copy's layers are the wrappers."""

    def __init__(self, layer, call=None, relu=None):
        super().__init__(name=layer.name, dtype=layer.dtype_policy, trainable=False)
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        object.__setattr__(self, "_inner", (layer, call or layer, relu))

    def call(self, *args, **kwargs):
        _, call, relu = self._inner
        outputs = call(*args, **kwargs)
        return relu(outputs) if relu is not None else outputs

    def compute_output_spec(self, *args, **kwargs):
        return self._inner[0].compute_output_spec(*args, **kwargs)


def _linear_twin(layer):
    """A shallow copy of `layer` that shares its state (weights included) but has no
    activation: the pre-activations of a layer whose activation is a ReLU."""
    twin = object.__new__(type(layer))
    twin.__dict__.update(layer.__dict__)
    twin.__dict__["activation"] = _ACTS.linear
    return twin


def _first(x, *args, **kwargs):
    del args, kwargs
    return x


def _clone_function(relu):
    def clone(layer):
        kind = _kind(layer)
        if kind == "relu":
            return Wrapped(layer, call=_first, relu=relu)
        if kind == "activated":
            return Wrapped(layer, call=_linear_twin(layer), relu=relu)
        return Wrapped(layer)

    return clone


_COPIES = weakref.WeakKeyDictionary()
"""model -> {rule: copy}."""
_LOCK = threading.Lock()


def rewritten(model, rule, method):
    """The copy of `model` whose ReLUs follow `rule` (a key of `RULES`), cached.

    Args:
      model: a Sequential or functional Keras model (nested ones are rewritten too).
      rule: "guided" or "deconvnet".
      method: the method's name, for error messages.

    Returns:
      A Keras model computing what `model` computes, sharing its weights.

    Raises:
      TypeError: `model` is not a Sequential or functional Keras model.
      ValueError: a layer of `model` cannot be rewritten (the message names it).
    """
    if not _is_model(model):
        raise TypeError(
            f"model: {method} needs a Sequential or functional Keras model (its ReLU "
            f"layers are rewritten), got {type(model).__name__}"
        )
    with _LOCK:
        copies = _COPIES.setdefault(model, {})
        if rule not in copies:
            _check(model, method)
            copies[rule] = _KERAS.models.clone_model(
                model, clone_function=_clone_function(RULES[rule]), recursive=True
            )
        return copies[rule]
