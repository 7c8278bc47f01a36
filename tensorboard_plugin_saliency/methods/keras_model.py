"""The Keras side of the methods: a model adapter over the traced, chunked,
`tf.distribute`-aware engine (see `adapter` for what a method asks of it)."""

import numpy as np
import tensorflow as tf

from tensorboard_plugin_saliency.methods import (
    adapter,
    checks,
    engine,
    keras_ablation,
    layer_choice,
    relu_rewrite,
)
from tensorboard_plugin_saliency.methods import targets as _targets
from tensorboard_plugin_saliency.methods.layer_choice import Candidate, default_layer
from tensorboard_plugin_saliency.methods.tf_ops import OPS

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


class KerasModel(adapter.ModelAdapter):
    """A Keras model (or any TF callable `[N, H, W, C] -> [N, classes]`) as the methods
    use it.

    Args:
      model: the model.
      batch_size: largest number of model inputs per model call (per replica).
      strategy: a `tf.distribute.Strategy` whose local replicas share the model
        inputs; None: the enclosing `strategy.scope()`'s (see `engine.resolve_strategy`).
    """

    ops = OPS
    class_dtype = "int32"

    def __init__(self, model, batch_size=engine.DEFAULT_BATCH_SIZE, strategy=None):
        checks.check_model(model)
        self.model = model
        self.batch_size = checks.check_count("batch_size", batch_size)
        self.strategy = engine.resolve_strategy(strategy)

    def images(self, images):
        """`images` as a float32 tensor `[N, H, W, C]`."""
        try:
            images = tf.convert_to_tensor(images)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"images: expected a numeric array [N, H, W, C], got {type(images).__name__} ({e})"
            ) from None
        if not (images.dtype.is_floating or images.dtype.is_integer):
            raise TypeError(f"images: expected a numeric array, got dtype {images.dtype.name}")
        if images.shape.rank != 4:
            raise ValueError(
                f"images: expected shape [N, H, W, C], got shape {tuple(images.shape)}"
            )
        if images.shape[0] == 0:
            raise ValueError(
                f"images: expected at least one image, got shape {tuple(images.shape)}"
            )
        return tf.cast(images, tf.float32)

    def num_classes(self):
        """The model's number of classes when Keras knows it, else None."""
        try:
            shape = tuple(self.model.outputs[0].shape)
        except Exception:  # Not a built Keras model.
            return None
        return int(shape[1]) if len(shape) == 2 and shape[1] is not None else None

    def class_scores(self, images, output=None):
        """The model's scores `[N, classes]` for `images` `[N, H, W, C]`."""
        return engine.forward(self.model, images, self.batch_size, self.strategy, output)

    def predicted(self, images, output=None):
        return tf.cast(tf.argmax(self.class_scores(images, output), axis=1), tf.int32)

    def input_gradients(self, batch, points, npoints, *aux):
        return self._over_points(batch, points, npoints, aux, backward=True)

    def gradient_function(self, batch):
        return engine.gradients_of(
            self.model,
            adapter.image_points,
            batch.explained,
            batch.n,
            self.batch_size,
            self.strategy,
        )

    def scores(self, batch, points, npoints, *aux):
        return self._over_points(batch, points, npoints, aux, backward=False)

    def _over_points(self, batch, points, npoints, aux, backward):
        return engine.over_points(
            self.model,
            points,
            batch.images,
            batch.explained,
            npoints,
            self.batch_size,
            *aux,
            backward=backward,
            strategy=self.strategy,
        )

    def resolve_layer(self, layer=None):
        return grad_cam_layer(self.model, layer_choice.choice(layer).layer)

    def layer_name(self, layer=None):
        return self.resolve_layer(layer).name

    def layer_activations(self, batch, layer=None):
        """The layer's activations as maps, NumPy `[N, h, w, channels]` (forward only;
        `layer` a layer, its name or a `layer_choice.LayerChoice`)."""
        return self._maps(batch, layer, backward=False)[0]

    def layer_gradients(self, batch, layer=None):
        """The layer's activations and their gradients as maps, NumPy `[N, h, w, channels]`."""
        return self._maps(batch, layer, backward=True)

    def _maps(self, batch, layer, backward):
        chosen = layer_choice.choice(layer)
        conv = self.resolve_layer(chosen.layer)
        values = self._layer(batch, conv, backward)
        if chosen.reshape_transform is not None:
            values = [np.asarray(chosen.reshape_transform(v)) for v in values]
        return [layer_choice.as_grid(v, batch.shape[1:3], chosen.tokens, conv.name) for v in values]

    def _layer(self, batch, conv, backward):
        explained = batch.explained
        strategy = self.strategy

        def build(ref):
            try:
                sub = tf.keras.Model(ref().inputs, [conv.output, _scored(ref(), explained)])
            except (AttributeError, ValueError) as e:
                raise TypeError(
                    f"model: a layer's activations need a functional or Sequential "
                    f"Keras model with a defined input ({e})"
                ) from None

            def both(x, classes):  # activations and gradients, side by side
                if not backward:
                    return sub(x, training=False)[0]
                with tf.GradientTape() as tape:
                    acts, outputs = sub(x, training=False)
                    picked = explained.target.score(outputs, classes, OPS)
                grads = explained.target.modify(tape.gradient(picked, acts), OPS)
                return tf.concat([acts, grads], axis=-1)

            if strategy is None:
                return tf.function(both)
            return engine.replicated(strategy, both, (0, 1), "concat")

        key = ("layer" if backward else "layer forward", conv.name, explained.key)
        fn = engine.traced(self.model, key if strategy is None else key + (strategy,), build)
        parts = []  # sliced in NumPy: a tensor's slice costs more than the rows
        replicas = engine.local_replicas(strategy)
        for rows, valid in engine.chunks(batch.n, self.batch_size, replicas):
            if len(rows) == batch.n and valid.all():  # one chunk: the batch as it is
                out = fn(batch.images, explained.classes)
            else:
                out = fn(tf.gather(batch.images, rows), tf.gather(explained.classes, rows))
            parts.append(out.numpy()[: valid.sum()])
        both = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return np.split(both, 2, axis=-1) if backward else (both,)

    def ablated_scores(self, batch, layer, kept):
        """float `[n, N]`: the explained score of image i with channel `kept[i, k]` of
        the layer set to zero (-1: none), row k; forward only, in equal chunks (on one
        device: the copy's mask is one variable)."""
        conv = self.resolve_layer(layer)
        copy, mask = keras_ablation.ablatable(self.model, conv)
        explained = batch.explained
        count, n = kept.shape[1], batch.n
        channels = kept.T.reshape(-1)  # row k * N + i

        def build(ref):
            pick = engine.outputs_of(explained, copy)

            def scores(x, classes, masks):
                mask.assign(masks)
                return explained.target.score(pick(x), classes, OPS)

            return tf.function(scores)

        fn = engine.traced(self.model, ("ablated", conv.name, explained.key), build)
        out = []
        for rows, valid in engine.chunks(count * n, self.batch_size):
            masks = np.ones((len(rows), mask.shape[1]), np.float32)
            hit = channels[rows] >= 0
            masks[np.flatnonzero(hit), channels[rows][hit]] = 0
            i = rows % n
            score = fn(tf.gather(batch.images, i), tf.gather(explained.classes, i), masks)
            out.append(score.numpy().astype(np.float64)[: valid.sum()])
        return np.concatenate(out).reshape(count, n)

    def full_gradients(self, batch):
        """FullGrad's gradients, from one backward pass: the input gradients `[N, H, W, C]`
        and, for every top-level convolution or batch normalisation with a bias whose
        output is a map, its bias times the gradient of the explained score with respect
        to its pre-activation output, `[N, h, w, channels]`; NumPy (single device)."""
        layers = _biased_layers(self.model)
        explained = batch.explained

        def build(ref):
            sub = tf.keras.Model(
                ref().inputs, [layer.output for layer in layers] + [_scored(ref(), explained)]
            )
            biases = [_bias(layer) for layer in layers]

            def terms(x, classes):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    *outs, outputs = sub(x, training=False)
                    picked = explained.target.score(outputs, classes, OPS)
                grad_x, *grads = tape.gradient(picked, [x, *outs])
                out = [explained.target.modify(grad_x, OPS)]
                for layer, value, grad, bias in zip(layers, outs, grads, biases):
                    if _activation(layer) == "relu":  # the gradient before the ReLU
                        grad = grad * tf.cast(value > 0, grad.dtype)
                    out.append(explained.target.modify(grad, OPS) * bias)
                return out

            return tf.function(terms)

        fn = engine.traced(self.model, ("full_grad", explained.key), build)
        parts = []
        for rows, valid in engine.chunks(batch.n, self.batch_size):
            out = fn(tf.gather(batch.images, rows), tf.gather(explained.classes, rows))
            parts.append([t.numpy()[: valid.sum()] for t in out])
        input_gradients, *terms = [np.concatenate(layer) for layer in zip(*parts)]
        return input_gradients, terms

    def with_relu_rule(self, rule, method):
        """The same model, as a copy whose ReLUs follow `rule` (see `relu_rewrite`)."""
        copy = relu_rewrite.rewritten(self.model, rule, method)
        return KerasModel(copy, self.batch_size, self.strategy)


_BIASED = (
    _LAYERS.Conv2D,
    _LAYERS.DepthwiseConv2D,
    _LAYERS.SeparableConv2D,
    _LAYERS.BatchNormalization,
)


def _activation(layer):
    """ "linear" or "relu": the activation a biased layer applies after its bias."""
    fn = getattr(layer, "activation", None)
    if fn is None or fn is tf.keras.activations.linear:
        return "linear"
    if fn in (tf.keras.activations.relu, tf.nn.relu):
        return "relu"
    raise ValueError(
        f"model: full_grad needs each bias's gradient, and layer {layer.name!r} applies "
        f"the activation {getattr(fn, '__name__', fn)!r} after its bias; use a separate "
        f"Activation layer or a ReLU"
    )


def _biased_layers(model):
    """The model's top-level convolutions and batch normalisations with a bias and a
    map output, in order."""
    layers = []
    for layer in getattr(model, "layers", []):
        if not isinstance(layer, _BIASED) or len(_output_shape(layer) or ()) != 4:
            continue
        has_bias = getattr(layer, "use_bias", None) or getattr(layer, "center", False)
        if isinstance(layer, _LAYERS.BatchNormalization):
            has_bias = True  # its moving mean acts as one
        if has_bias:
            _activation(layer)
            layers.append(layer)
    if not layers:
        raise ValueError(
            "model: full_grad reads the biases of the model's top-level convolution and "
            "batch normalisation layers, and it has none with a bias"
        )
    return layers


def _bias(layer):
    """The bias a layer adds, as a constant: a convolution's own; a batch
    normalisation's `beta - moving_mean * gamma / sqrt(moving_variance + epsilon)`."""
    if isinstance(layer, _LAYERS.BatchNormalization):
        gamma = layer.gamma if layer.scale else 1.0
        beta = layer.beta if layer.center else 0.0
        scale = gamma / tf.sqrt(layer.moving_variance + layer.epsilon)
        return tf.convert_to_tensor(beta - layer.moving_mean * scale)
    return tf.convert_to_tensor(layer.bias)


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


def _kind(layer):
    """ "convolution" for a convolution or a block ending in one, "pooling",
    "attention", or "other"."""
    if isinstance(layer, _POOLINGS):
        return "pooling"
    if isinstance(layer, _LAYERS.MultiHeadAttention) or "Attention" in type(layer).__name__:
        return "attention"
    if isinstance(layer, _CONVOLUTIONS):
        return "convolution"
    inner = _sublayers(layer)
    if (
        inner
        and not isinstance(inner[-1], _POOLINGS)
        and any(isinstance(sub, _CONVOLUTIONS) for sub in inner)
    ):
        return "convolution"
    return "other"


def _candidates(model):
    """The model's top-level layers as `layer_choice.Candidate`s, in order."""
    out = []
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.InputLayer):
            continue
        shape = _output_shape(layer)
        out.append(Candidate(layer, layer.name, _kind(layer), None if shape is None else shape[1:]))
    return out


def grad_cam_layer(model, layer=None):
    """The Keras layer whose output the CAM methods weigh.

    Args:
      model: a Keras model.
      layer: a layer of `model` with a spatial output `[N, h, w, channels]` or a
        token sequence `[N, tokens, channels]`, or its name. None picks the default
        (`layer_choice.default_layer`, the same rule for PyTorch modules): in a
        convolutional network the last convolution with a spatial output (or a
        nested block ending in one), with the layers right after it that keep its
        grid, never a pooling layer; in a vision transformer the input of the last
        attention when there is a class token, else the last token map.

    Returns:
      The layer.

    Raises:
      TypeError: `model` is not a Keras model.
      ValueError: `layer` is not a layer of `model` with such an output (the
        message names it and lists the candidates with their shapes), or None is
        given and the model has no such layer.
    """
    if not isinstance(model, tf.keras.Model):
        raise TypeError(f"model: grad_cam needs a Keras model, got {type(model).__name__}")
    candidates = _candidates(model)
    if layer is None:
        chosen = default_layer(candidates, _image_size(model))
        if chosen is None:
            raise ValueError(layer_choice.no_default(candidates, "[N, h, w, channels]"))
        return chosen.layer
    for candidate in candidates:
        named = isinstance(layer, str) and candidate.name == layer
        if (candidate.layer is layer or named) and (candidate.spatial or candidate.sequence):
            return candidate.layer
    found = [
        c for c in candidates if c.layer is layer or (isinstance(layer, str) and c.name == layer)
    ]
    why = (
        f"its output has shape {_output_shape(found[0].layer)}"
        if found
        else "the model has no such layer"
    )
    raise ValueError(layer_choice.not_a_map(layer, why, candidates, "[N, h, w, channels]"))


def _image_size(model):
    """The model's input `(H, W)` when Keras knows it, else None."""
    try:
        shape = tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None
    return shape[1:3] if len(shape) == 4 and None not in shape[1:3] else None


def _scored(model, explained):
    """The Keras tensor the target scores: a layer's output, or the chosen output."""
    target = explained.target
    if target.layer is not None:
        return engine.find_layer(model, target.layer).output
    if target.whole_output:
        return model.output
    outputs = model.outputs
    output = explained.output
    if isinstance(output, str):
        names = list(getattr(model, "output_names", []))
        if output not in names:
            raise ValueError(f"output: expected one of {names}, got {output!r}")
        output = names.index(output)
    return _targets.select_output(list(outputs), output)
