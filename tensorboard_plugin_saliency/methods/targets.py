"""What a method explains: a score per model input, taken from the model's outputs.

Every method takes the same two ways to say it:

- `targets`: class indices `[N]` (or one-hot rows `[N, classes]`, or None for the
  predicted class) of a classifier's `[N, classes]` output, as before;
- `target=`: any other score, as a `Target` made by the helpers below (the keras-vis
  cases) or a callable `outputs -> [N]` scores (any output, any neuron, a
  regression value).

`output=` picks one output of a model with several (an index, or a name). A target's
`text` is recorded as the mask's provenance ("decrease(0)", "filter conv2:5").
"""

import tensorflow as tf


class Target:
    """A score per model input, as a method explains it.

    Attributes:
      text: how the provenance names it, e.g. "increase(0)".
      uses_classes: whether it reads one class index per image (the class target).
      layer: a layer whose output it scores instead of the model's, or None.
      key: equal for targets that score alike (their traced functions are shared).
    """

    def __init__(self, text, score, *, uses_classes=False, layer=None, modifier=None, key=None):
        self.text = text
        self.key = text if key is None else key  # equal keys: the same traced functions
        self.uses_classes = uses_classes
        self.layer = layer
        self._score = score
        self._modifier = modifier

    def score(self, outputs, classes):
        """`[rows]` scores of `outputs` (the selected output); `classes` `[rows]` int32."""
        scores = self._score(outputs, classes) if self.uses_classes else self._score(outputs)
        scores = tf.convert_to_tensor(scores)
        if scores.shape.rank != 1:
            raise ValueError(
                f"target {self.text}: expected one score per input [N], got shape "
                f"{tuple(scores.shape)}"
            )
        return scores

    def modify(self, gradients):
        """The gradients a method uses (keep(): -|g|); unchanged by default."""
        return self._modifier(gradients) if self._modifier else gradients

    def __repr__(self):
        return self.text


def _column(outputs, index, text):
    outputs = tf.convert_to_tensor(outputs)
    if outputs.shape.rank != 2:
        raise ValueError(
            f"target {text}: expected an output of shape [N, units], got shape "
            f"{tuple(outputs.shape)}; pass output= to pick one output"
        )
    return outputs[:, index]


def _check_index(name, index):
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise TypeError(f"{name}: expected an output unit index (int >= 0), got {index!r}")


def _class_scores(outputs):
    outputs = tf.convert_to_tensor(outputs)
    if outputs.shape.rank != 2:
        raise ValueError(
            f"model: expected outputs of shape [N, classes], got shape "
            f"{tuple(outputs.shape)}; for another output pass target= (see methods.targets)"
        )
    return outputs


def classes():
    """The class target: the score of each image's class (the default)."""

    def pick(outputs, indices):
        return tf.gather(_class_scores(outputs), indices, batch_dims=1)

    return Target("class", pick, uses_classes=True)


def probability(already=False):
    """The probability of each image's class: the softmax of a classifier's logits.

    `already`: rows of the outputs that already are probabilities (non-negative,
    summing to 1 within 1e-3: a model ending in softmax) are taken as they are.
    """

    def pick(outputs, indices):
        outputs = _class_scores(outputs)
        probabilities = tf.nn.softmax(outputs)
        if already:
            total = tf.reduce_sum(outputs, axis=1, keepdims=True)
            are = (tf.reduce_min(outputs, axis=1, keepdims=True) >= 0) & (
                tf.abs(total - 1.0) <= 1e-3
            )
            probabilities = tf.where(are, outputs, probabilities)
        return classes().score(probabilities, indices)

    return Target("probability (auto)" if already else "probability", pick, uses_classes=True)


def increase(index):
    """What increases output unit `index` (keras-vis: a regression output as is)."""
    _check_index("index", index)
    text = f"increase({index})"
    return Target(text, lambda outputs: _column(outputs, index, text))


def decrease(index):
    """What decreases output unit `index` (keras-vis `grad_modifier='negate'`)."""
    _check_index("index", index)
    text = f"decrease({index})"
    return Target(text, lambda outputs: -_column(outputs, index, text))


def keep(index):
    """What keeps output unit `index` as it is: inputs ranked by `-|gradient|`, the
    smallest changes first (keras-vis `grad_modifier='small_values'`)."""
    _check_index("index", index)
    text = f"keep({index})"
    return Target(text, lambda outputs: _column(outputs, index, text), modifier=_small_values)


def _small_values(gradients):
    return -tf.abs(gradients)


def layer_filter(layer, filter):  # noqa: A002 (keras-vis' name)
    """The mean activation of channel `filter` of `layer`'s output: what that filter
    of an intermediate layer looks for ("conv filter saliency").

    Args:
      layer: a layer of the model, or its name.
      filter: the channel index (last axis of the layer's output).
    """
    _check_index("filter", filter)
    name = layer if isinstance(layer, str) else getattr(layer, "name", None)
    if name is None:
        raise TypeError(f"layer: expected a Keras layer or its name, got {layer!r}")
    text = f"filter {name}:{filter}"

    def mean(outputs):
        outputs = tf.convert_to_tensor(outputs)
        if filter >= outputs.shape[-1]:
            raise ValueError(
                f"filter: layer {name!r} has {outputs.shape[-1]} channels, got filter {filter}"
            )
        channel = outputs[..., filter]
        return tf.reduce_mean(tf.reshape(channel, [tf.shape(channel)[0], -1]), axis=1)

    return Target(text, mean, layer=layer)


def from_callable(fn):
    """A target from a callable `outputs -> [N]` scores."""
    if isinstance(fn, Target):
        return fn
    if not callable(fn):
        raise TypeError(
            f"target: expected a methods.targets helper (increase, decrease, keep, "
            f"layer_filter) or a callable outputs -> [N] scores, got {type(fn).__name__}"
        )
    return Target(getattr(fn, "__name__", "callable"), fn, key=("callable", fn))


def select_output(outputs, output):
    """The output `output` (None: the first; an index; a name) of a model's outputs."""
    if isinstance(outputs, dict):
        if output is None:
            if len(outputs) == 1:
                return next(iter(outputs.values()))
            raise ValueError(f"output: the model has outputs {sorted(outputs)}; pass output=")
        if output not in outputs:
            raise ValueError(f"output: expected one of {sorted(outputs)}, got {output!r}")
        return outputs[output]
    if isinstance(outputs, (list, tuple)):
        if output is None:
            return outputs[0]
        if isinstance(output, int) and not isinstance(output, bool) and 0 <= output < len(outputs):
            return outputs[output]
        raise ValueError(
            f"output: expected an index in [0, {len(outputs)}) of the model's outputs, "
            f"got {output!r}"
        )
    if output not in (None, 0):
        raise ValueError(f"output: the model has one output, got output={output!r}")
    return outputs


class Explained:
    """What one method call explains: its target, each image's class (the class
    target; zeros otherwise) and the output it reads."""

    def __init__(self, target, classes, output=None):
        self.target = target
        self.classes = classes  # int32 tensor [N]
        self.output = output
        self.key = (target.key, output)  # traced functions take `classes` as an argument

    def outputs_fn(self, model):
        """`x -> tensor`: the output the target scores, of `model` (or of its layer)."""
        if self.target.layer is not None:
            sub = tf.keras.Model(model.inputs, find_layer(model, self.target.layer).output)
            return lambda x: sub(x, training=False)
        output = self.output
        if isinstance(output, str) and isinstance(getattr(model, "output_names", None), list):
            names = model.output_names
            output = names.index(output) if output in names and len(names) > 1 else output
        keras = isinstance(model, tf.keras.Model)

        def run(x):
            return select_output(model(x, training=False) if keras else model(x), output)

        return run


def find_layer(model, layer):
    """The layer `layer` (a layer or a name) of Keras model `model`."""
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"target: a layer target needs a Keras model, got {type(model).__name__}")
    for candidate in model._flatten_layers(include_self=False):
        if candidate is layer or candidate.name == layer:
            return candidate
    raise ValueError(
        f"layer: expected a layer of this model or its name, one of "
        f"{[c.name for c in layers]}; got {layer!r}"
    )
