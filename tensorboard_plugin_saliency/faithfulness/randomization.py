"""The model-randomisation sanity check (Adebayo et al. 2018, "Sanity Checks for
Saliency Maps"): masks that explain the model must change when its weights do.

The layers' weights are drawn again with their own initializers, cascading from the
top (the output layer first, then each layer below it, cumulatively), and at each
stage the masks of the same images are compared with the trained model's by Spearman
rank correlation. A method whose masks barely change (a correlation near 1 after the
whole network is random) shows the image, not the model. The user's model is never
touched: the check works on a copy.
"""

import dataclasses
import inspect

import keras
import numpy as np

from tensorboard_plugin_saliency import arrays
from tensorboard_plugin_saliency import methods as methods_lib
from tensorboard_plugin_saliency.methods.keras_model import KerasModel
from tensorboard_plugin_saliency.methods.table import DEFAULT_BATCH_SIZE


@dataclasses.dataclass(frozen=True)
class Randomization:
    """The masks of a model and of its copies with re-initialised weights
    (`randomization_check`).

    Example:
      ```python
      from tensorboard_plugin_saliency import faithfulness

      check = faithfulness.randomization_check(model, images, "gradients")
      for layer, correlation in zip(check.layers, check.mean):
          print(layer, correlation)  # near 0 once the masks depend on the weights
      ```
    """

    layers: tuple
    """The layer re-initialised at each stage, top first (cumulative)."""
    correlations: np.ndarray
    """float64 `[stages, N]`: Spearman rank correlation of each image's mask with the
    trained model's (NaN for a constant mask)."""
    trained: np.ndarray
    """The trained model's masks, reduced to `[N, h, w]`."""
    randomized: np.ndarray
    """Each stage's masks `[stages, N, h, w]`."""

    @property
    def mean(self):
        """float64 `[stages]`: each stage's mean correlation over the images."""
        return np.nanmean(self.correlations, axis=1)


def randomization_check(
    model,
    images,
    method,
    targets=None,
    *,
    layers="all",
    params=None,
    seed=0,
    channel_reduction="sum",
    batch_size=DEFAULT_BATCH_SIZE,
):
    """Masks after re-initialising the model's layers from the top, and their rank
    correlation with the trained model's masks.

    Args:
      model: a Keras model (Sequential or functional: it is cloned).
      images: `[N, H, W, C]` model inputs.
      method: a name of `methods.METHODS`, or a callable
        `(model, images, targets, **params) -> attributions`.
      targets: class indices; default: the trained model's predicted classes. Every
        stage explains the same classes.
      layers: "all" (every layer with weights, top down), "top" (the topmost one), or
        a list of layer names, re-initialised in that order.
      params: the method's parameters, e.g. `{"seed": 0}` for SmoothGrad.
      seed: seeds the initializers, so that the check is reproducible.
      channel_reduction: how `[N, H, W, C]` attributions become one value per pixel
        ("sum", "abs_sum" or "max_abs"), as the writer reduces them.
      batch_size: passed to the method when it takes one.

    Returns:
      `Randomization`. Cost: `stages + 1` calls of the method.

    Raises:
      TypeError, ValueError: naming the argument that is not what is expected.

    Example:
      ```python
      from tensorboard_plugin_saliency import faithfulness

      check = faithfulness.randomization_check(model, images, "smoothgrad", params={"seed": 0})
      print(check.mean)  # [stages]: high correlations mean the map ignores the weights
      ```
    """
    function = _method(method)
    params = dict(params or {})
    if "batch_size" in inspect.signature(function).parameters:
        params.setdefault("batch_size", batch_size)
    copy = _clone(model)
    batch = KerasModel(copy, batch_size).prepare(images, targets)
    images, classes = batch.images, batch.explained.classes.numpy()
    order = _stages(copy, layers)
    n, h, w = images.shape[:3]

    def masks():
        values = function(copy, images, classes, **params)
        ((_, reduced),) = arrays.prepare_masks(np.asarray(values), n, (h, w), channel_reduction)
        return reduced

    trained = masks()
    randomized = []
    for stage, layer in enumerate(order):
        _reinitialise(layer, seed + 1000 * stage)
        randomized.append(masks())
    randomized = np.stack(randomized) if randomized else np.zeros((0,) + trained.shape)
    correlations = np.array([[spearman(a, b) for a, b in zip(trained, r)] for r in randomized])
    return Randomization(
        layers=tuple(layer.name for layer in order),
        correlations=correlations.reshape(len(order), n),
        trained=trained,
        randomized=randomized,
    )


def spearman(a, b):
    """Spearman's rank correlation of the values of `a` and `b` (ties get their
    average rank); NaN when either is constant.

    Args:
      a, b: arrays of the same size (flattened).

    Returns:
      A float in [-1, 1], or NaN.

    Example:
      ```python
      from tensorboard_plugin_saliency import faithfulness

      assert faithfulness.spearman([1, 2, 3], [10, 20, 40]) == 1.0
      ```
    """
    x, y = _ranks(np.ravel(a)), _ranks(np.ravel(b))
    x, y = x - x.mean(), y - y.mean()
    norm = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / norm) if norm > 0 else float("nan")


def _ranks(values):
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    starts = np.cumsum(counts) - counts
    return (starts + (counts - 1) / 2.0)[inverse.ravel()]


def _method(method):
    if callable(method):
        return method
    if method not in methods_lib.METHODS:
        raise ValueError(
            "method: expected a callable or one of %s, got %r"
            % (", ".join(sorted(methods_lib.METHODS)), method)
        )
    return methods_lib.METHODS[method]


def _clone(model):
    if not isinstance(model, keras.Model):
        raise TypeError("model: expected a Keras model, got %s" % type(model).__name__)
    try:
        copy = keras.models.clone_model(model)
    except (TypeError, ValueError, NotImplementedError) as e:
        raise TypeError(
            "model: the check re-initialises a copy of the model, and this %s cannot be "
            "copied with keras.models.clone_model (%s); use a Sequential or functional "
            "model" % (type(model).__name__, e)
        ) from None
    copy.set_weights(model.get_weights())
    return copy


def _stages(model, layers):
    weighted = [layer for layer in model.layers if layer.weights]
    if isinstance(layers, str) and layers in ("all", "top"):
        top_down = weighted[::-1]
        return top_down if layers == "all" else top_down[:1]
    if isinstance(layers, str) or not isinstance(layers, (list, tuple)):
        raise TypeError(
            'layers: expected "all", "top" or a list of layer names, got %r' % (layers,)
        )
    by_name = {layer.name: layer for layer in weighted}
    for name in layers:
        if name not in by_name:
            raise ValueError(
                "layers: %r is not a layer with weights; those are %s"
                % (name, ", ".join(repr(n) for n in by_name))
            )
    return [by_name[name] for name in layers]


def _reinitialise(layer, seed):
    """Draws every weight of `layer` again with the layer's initializer for it
    (`<name>_initializer`: kernel, bias, gamma, moving_mean...), seeded."""
    for j, variable in enumerate(layer.weights):
        name = variable.path.split("/")[-1]
        initializer = getattr(layer, name + "_initializer", None)
        if initializer is None:
            raise ValueError(
                "layers: cannot re-initialise weight %r of layer %r: the layer has no "
                "%s_initializer" % (name, layer.name, name)
            )
        initializer = keras.initializers.get(initializer)
        config = initializer.get_config()
        if "seed" in config:
            initializer = type(initializer).from_config({**config, "seed": seed + j})
        variable.assign(initializer(variable.shape, dtype=variable.dtype))
