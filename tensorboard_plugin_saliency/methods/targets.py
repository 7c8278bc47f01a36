"""What a method explains: a score per model input, taken from the model's outputs.

Every method takes the same two ways to say it:

- `targets`: class indices `[N]` (or one-hot rows `[N, classes]`, or None for the
  predicted class) of a classifier's `[N, classes]` output, as before;
- `target=`: any other score, as a `Target` made by the helpers below (the keras-vis
  cases) or a callable `outputs -> [N]` scores (any output, any neuron, a
  regression value).

`output=` picks one output of a model with several (an index, or a name). A target's
`text` is recorded as the mask's provenance ("decrease(0)", "filter conv2:5").

Targets are written once for both frameworks: each score takes the framework's
`ops` (see `adapter.Ops`), and a layer's output reaches `layer_filter` channels last.
This module imports neither TensorFlow nor PyTorch.
"""


class Target:
    """A score per model input, as a method explains it.

    Attributes:
      text: how the provenance names it, e.g. "increase(0)".
      uses_classes: whether it reads one class index per image (the class target).
      layer: a layer whose output it scores instead of the model's, or None.
      key: equal for targets that score alike (their traced functions are shared).
      per_image: whether it reads each input's image index (regions given per
        image: `segmentation`, `detection`) where a class target reads its class.
      whole_output: whether it scores the model's whole output (a list of
        detections per image) rather than one output of several.
    """

    def __init__(
        self,
        text,
        score,
        *,
        uses_classes=False,
        layer=None,
        modifier=None,
        key=None,
        ops=True,
        per_image=False,
        whole_output=False,
    ):
        self.text = text
        self.per_image = per_image
        self.whole_output = whole_output
        self._uses_ops = ops
        self.key = text if key is None else key  # equal keys: the same traced functions
        self.uses_classes = uses_classes
        self.layer = layer
        self._score = score
        self._modifier = modifier

    def score(self, outputs, classes, ops):
        """`[rows]` scores of `outputs` (the selected output); `classes` `[rows]` ints."""
        if self.uses_classes or self.per_image:
            scores = self._score(outputs, classes, ops)
        elif self._uses_ops:
            scores = self._score(outputs, ops)
        else:  # the user's callable, written for the model's framework
            scores = self._score(outputs)
        scores = ops.as_tensor(scores)
        if len(scores.shape) != 1:
            raise ValueError(
                f"target {self.text}: expected one score per input [N], got shape "
                f"{tuple(scores.shape)}"
            )
        return scores

    def modify(self, gradients, ops):
        """The gradients a method uses (keep(): -|g|); unchanged by default."""
        return self._modifier(gradients, ops) if self._modifier else gradients

    def __repr__(self):
        return self.text


def _column(outputs, index, text, ops):
    outputs = ops.as_tensor(outputs)
    if len(outputs.shape) != 2:
        raise ValueError(
            f"target {text}: expected an output of shape [N, units], got shape "
            f"{tuple(outputs.shape)}; pass output= to pick one output"
        )
    return outputs[:, index]


def _check_index(name, index):
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise TypeError(f"{name}: expected an output unit index (int >= 0), got {index!r}")


def _class_scores(outputs, ops):
    outputs = ops.as_tensor(outputs)
    if len(outputs.shape) != 2:
        raise ValueError(
            f"model: expected outputs of shape [N, classes], got shape "
            f"{tuple(outputs.shape)}; for another output pass target= (see methods.targets)"
        )
    return outputs


def classes():
    """The class target: the score of each image's class (the default)."""

    def pick(outputs, indices, ops):
        return ops.pick(_class_scores(outputs, ops), indices)

    return Target("class", pick, uses_classes=True)


def probability(already=False):
    """The probability of each image's class: the softmax of a classifier's logits.

    `already`: rows of the outputs that already are probabilities (non-negative,
    summing to 1 within 1e-3: a model ending in softmax) are taken as they are.
    """

    def pick(outputs, indices, ops):
        outputs = _class_scores(outputs, ops)
        probabilities = ops.softmax(outputs)
        if already:
            total = ops.sum(outputs, 1, keepdims=True)
            are = (ops.min(outputs, 1, keepdims=True) >= 0) & (ops.abs(total - 1.0) <= 1e-3)
            probabilities = ops.where(are, outputs, probabilities)
        return ops.pick(probabilities, indices)

    return Target("probability (auto)" if already else "probability", pick, uses_classes=True)


def increase(index):
    """What increases output unit `index` (keras-vis: a regression output as is).

    Args:
      index: the output unit, an int >= 0 (a column of the model's scores `[N, units]`).

    Returns:
      A `Target`, for the `target=` of a method function.

    Raises:
      TypeError: `index` is not an int >= 0.

    Example:
      ```python
      from tensorboard_plugin_saliency import methods

      masks = methods.gradients(model, images, target=methods.increase(0))  # e.g. a regression
      ```
    """
    _check_index("index", index)
    text = f"increase({index})"
    return Target(text, lambda outputs, ops: _column(outputs, index, text, ops))


def decrease(index):
    """What decreases output unit `index` (keras-vis `grad_modifier='negate'`).

    Args:
      index: the output unit, an int >= 0 (a column of the model's scores `[N, units]`).

    Returns:
      A `Target`, for the `target=` of a method function.

    Raises:
      TypeError: `index` is not an int >= 0.

    Example:
      ```python
      from tensorboard_plugin_saliency import methods

      masks = methods.gradients(model, images, target=methods.decrease(0))
      ```
    """
    _check_index("index", index)
    text = f"decrease({index})"
    return Target(text, lambda outputs, ops: -_column(outputs, index, text, ops))


def keep(index):
    """What keeps output unit `index` as it is: inputs ranked by `-|gradient|`, the
    smallest changes first (keras-vis `grad_modifier='small_values'`).

    Args:
      index: the output unit, an int >= 0 (a column of the model's scores `[N, units]`).

    Returns:
      A `Target`, for the `target=` of a method function.

    Raises:
      TypeError: `index` is not an int >= 0.

    Example:
      ```python
      from tensorboard_plugin_saliency import methods

      masks = methods.gradients(model, images, target=methods.keep(0))
      ```
    """
    _check_index("index", index)
    text = f"keep({index})"
    return Target(
        text, lambda outputs, ops: _column(outputs, index, text, ops), modifier=_small_values
    )


def _small_values(gradients, ops):
    return -ops.abs(gradients)


def layer_filter(layer, filter):  # noqa: A002 (keras-vis' name)
    """The mean activation of channel `filter` of `layer`'s output: what that filter
    of an intermediate layer looks for ("conv filter saliency").

    Args:
      layer: a layer of the model, or its name (a Keras layer's, or a PyTorch
        module's in `model.named_modules()`).
      filter: the channel index (the channel axis of the layer's output: the last
        in Keras, the second in PyTorch).

    Returns:
      A `Target`, for the `target=` of a method function.

    Raises:
      TypeError: `filter` is not an int >= 0, or `layer` neither a layer nor a name.
      ValueError: (when a method runs) `filter` is not a channel of the layer.

    Example:
      ```python
      from tensorboard_plugin_saliency import methods

      masks = methods.gradients(model, images, target=methods.layer_filter("conv2", 7))
      ```
    """
    _check_index("filter", filter)
    name = layer if isinstance(layer, str) else getattr(layer, "name", None)
    if name is None:
        raise TypeError(f"layer: expected a layer of the model or its name, got {layer!r}")
    text = f"filter {name}:{filter}"

    def mean(outputs, ops):  # channels last, as the adapters give a layer's output
        if filter >= outputs.shape[-1]:
            raise ValueError(
                f"filter: layer {name!r} has {outputs.shape[-1]} channels, got filter {filter}"
            )
        return ops.mean_per_row(outputs[..., filter])

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
    return Target(getattr(fn, "__name__", "callable"), fn, key=("callable", fn), ops=False)


def scored_output(outputs, explained):
    """What `explained`'s target scores of a model's `outputs`: all of them for a
    target of the whole output (detections), else `select_output`."""
    if explained.target.whole_output:
        return outputs
    return select_output(outputs, explained.output)


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
