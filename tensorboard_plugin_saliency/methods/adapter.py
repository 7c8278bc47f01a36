"""What every method's math asks of a model, whatever its framework.

A method is written once (`compute(model, batch, **params)` in its own module) over a
*model adapter*: `keras_model.KerasModel` (the traced, chunked, `strategy=`-aware
engine) or `torch.torch_model.TorchModel` (hooks, batches on the model's device).
Both present images channels last, `[N, H, W, C]`, as framework tensors, and offer:

- `input_gradients(batch, points, npoints, *aux)`: `sum_k weight * d score / d input`
  per image over a virtual batch of `npoints` model inputs per image, where
  `points(ops, images, k, i, *aux) -> (inputs, weights)` makes the inputs of rows
  (k, i) (a path step, a noisy copy, ...) with the framework's `ops`;
- `gradient_function(batch)`: `images -> d score / d input`, for methods whose path
  moves step by step (Guided IG);
- `scores(batch, points, npoints, *aux)`: every row's score, forward only;
- `layer_gradients(batch, layer)`: a layer's activations and their gradients,
  channels last, as NumPy (the CAM family); `layer_activations(batch, layer)` the
  activations alone, forward only;
- `with_relu_rule(rule, method)`: the same model whose ReLUs pass gradients back by
  another rule ("guided" or "deconvnet");
- `ops`: the few array operations a `points` function or a target uses (`Ops`).

This module imports neither TensorFlow nor PyTorch.
"""

import dataclasses

import numpy as np

from tensorboard_plugin_saliency.methods import checks
from tensorboard_plugin_saliency.methods import targets as _targets


class Ops:
    """The array operations of one framework, as the methods' math calls them:
    `as_tensor`, `constant(array, dtype)`, `numpy`, `gather(x, rows)` (along the first
    axis), `pick(scores, columns)` (one column per row), `reshape`, `transpose`,
    `concat`, `where`, `abs`, `relu`, `softmax` (last axis), `sum`/`min`/`mean(x, axis,
    keepdims)`, `max(x, axis)`, `argmax(x, axis)`, `mean_per_row`, `einsum`,
    `zeros_like`, `broadcast_to`; `channels_first`: where a dense output keeps its
    classes (PyTorch's `[N, K, H, W]`, Keras' `[N, H, W, K]`). Arithmetic
    operators work on the tensors themselves. See `tf_ops.TfOps`, `torch_ops.TorchOps`.
    """


def one_blas_thread():
    """A context in which OpenBLAS (NumPy's BLAS and LAPACK in its wheels) runs on the
    calling thread.

    The methods' NumPy math (a CAM's weights, EigenCAM's decompositions) is small and
    comes between framework calls: with threads of its own, OpenBLAS and the
    framework's thread pool each spin while the other works (EigenCAM on PyTorch took
    3.8x as long, Score-CAM on Keras 1.4x). MKL, which shares its OpenMP threads with
    the frameworks built on it, is left as it is."""
    global _SPINNING_BLAS
    if _SPINNING_BLAS is None:
        import threadpoolctl

        _SPINNING_BLAS = threadpoolctl.ThreadpoolController().select(
            internal_api=["openblas", "blis"]
        )
    return _SPINNING_BLAS.limit(limits=1)


_SPINNING_BLAS = None
"""A `threadpoolctl` controller of the pthread BLAS libraries loaded, made on first use."""


@dataclasses.dataclass(frozen=True)
class Batch:
    """The images a method explains, and what it explains in each."""

    images: object
    """float32 tensor `[N, H, W, C]` of the model's framework, on its device."""
    explained: _targets.Explained
    """The score explained in each image: its target, class and output."""

    @property
    def n(self):
        return int(self.images.shape[0])

    @property
    def shape(self):
        return tuple(int(d) for d in self.images.shape)

    def again(self, images, copies, ops):
        """A batch of `copies` versions of each image (`[copies * N, H, W, C]`, copy-major)
        that explains the same scores."""
        explained = self.explained
        classes = ops.concat([explained.classes] * copies, 0)
        return Batch(images, _targets.Explained(explained.target, classes, explained.output))


class ModelAdapter:
    """The parts of a model adapter that do not depend on the framework.

    Subclasses set `ops` and `batch_size` and implement `images`, `predicted`,
    `num_classes`, `input_gradients`, `gradient_function`, `scores`,
    `layer_activations`, `layer_gradients`, `resolve_layer`, `with_relu_rule`.
    """

    ops = None
    batch_size = None
    class_dtype = "int64"
    """The dtype of class indices: what the traced functions and indexing take."""

    def channels_last(self, array):
        """A user's array (a baseline, noise, attributions) in the layout the math uses:
        PyTorch's channels-first arrays are moved to channels last; Keras' are as given."""
        return array

    def running(self):
        """A context in which the methods run the model: NumPy's BLAS on one thread
        (`one_blas_thread`), and for PyTorch eval mode with gradients on."""
        return one_blas_thread()

    def check_needs(self, method):
        """Raises ValueError when the model cannot give what `method` (a
        `table.Method`) needs."""

    def user_layout(self, result):
        """A method's result in the layout of the framework's users (PyTorch: channels
        first); maps `[N, h, w]` are as they are."""
        return result

    def prepare(self, images, targets=None, target=None, output=None):
        """Checks what every method shares and returns the `Batch` to explain.

        Args:
          images: the model's inputs, in the framework's own layout.
          targets: class indices `[N]` (or one for all) or one-hot rows
            `[N, classes]`; None: each image's predicted class.
          target: another score to explain (`methods.targets`), instead of a class.
          output: which output of a model with several (an index or a name).

        Raises:
          TypeError, ValueError: naming the argument, what it got and what was expected.
        """
        images = self.images(images)
        n = int(images.shape[0])
        if target is None:
            if targets is None:
                classes = self.predicted(images, output)
            else:
                indices = checks.class_indices(targets, n)
                checks.check_class_range(indices, self.num_classes() if output is None else None)
                classes = self.ops.constant(indices, self.class_dtype)
            return Batch(images, _targets.Explained(_targets.classes(), classes, output))
        if targets is not None:
            raise ValueError(
                "targets and target: pass class indices (targets=) or another score "
                "(target=), not both"
            )
        target = _targets.from_callable(target)
        # A target of per-image regions reads each row's image index where a class goes.
        rows = np.arange(n) if target.per_image else np.zeros([n], np.int64)
        indices = self.ops.constant(rows, self.class_dtype)
        return Batch(images, _targets.Explained(target, indices, output))

    def baseline(self, value, batch):
        """`value` (a number or an array; None: zeros) as a float32 tensor like the images."""
        if value is None:
            return self.ops.zeros_like(batch.images)
        value = self.channels_last(np.asarray(value, np.float32))
        try:
            return self.ops.broadcast_to(self.ops.constant(value), batch.shape)
        except ValueError:
            raise ValueError(
                f"baseline: expected a number or an array broadcastable to images "
                f"{batch.shape}, got shape {np.shape(value)}"
            ) from None


def image_points(ops, images, k, i):
    """The points of a method that feeds each image itself, once (weight 1)."""
    del k
    return ops.gather(images, i), 1.0
