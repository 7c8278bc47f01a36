"""Checks of the arguments every method shares: model, images, targets, counts.

Each check returns the argument in the form the engine uses (float32 and int32
tensors, plain ints) or raises a `TypeError` / `ValueError` that names the
argument, what it got and what was expected.
"""

import numpy as np
import tensorflow as tf

from tensorboard_plugin_saliency.methods import engine
from tensorboard_plugin_saliency.methods import targets as _targets


def check_images(images):
    """Returns `images` as a float32 tensor `[N, H, W, C]`."""
    try:
        images = tf.convert_to_tensor(images)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"images: expected a numeric array [N, H, W, C], got {type(images).__name__} ({e})"
        ) from None
    if not (images.dtype.is_floating or images.dtype.is_integer):
        raise TypeError(f"images: expected a numeric array, got dtype {images.dtype.name}")
    if images.shape.rank != 4:
        raise ValueError(f"images: expected shape [N, H, W, C], got shape {tuple(images.shape)}")
    if images.shape[0] == 0:
        raise ValueError(f"images: expected at least one image, got shape {tuple(images.shape)}")
    return tf.cast(images, tf.float32)


def check_model(model):
    """Raises a TypeError unless `model` is callable."""
    if not callable(model):
        raise TypeError(
            f"model: expected a callable (e.g. a Keras model) mapping "
            f"[N, H, W, C] to [N, classes], got {type(model).__name__}"
        )


def check_count(name, value):
    """Returns a count parameter (steps, nsamples, ...) as an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{name}: expected an int >= 1, got {value}")
    return int(value)


def num_classes(model):
    """The model's number of classes when Keras knows it, else None."""
    try:
        shape = tuple(model.outputs[0].shape)
    except Exception:  # Not a built Keras model.
        return None
    return int(shape[1]) if len(shape) == 2 and shape[1] is not None else None


def class_indices(targets, n):
    """`targets` as an int64 NumPy array `[n]` of class indices.

    Accepts one class index per image `[n]` (or one for all, a scalar), or one row
    per image `[n, classes]`, one-hot or scores (Keras' categorical labels), whose
    argmax is the class.
    """
    array = np.asarray(targets)
    if array.dtype == bool:
        array = array.astype(np.int64)
    if array.ndim == 2 and array.shape[0] == n and array.shape[1] > 1:
        if not np.issubdtype(array.dtype, np.number) or not np.all(np.isfinite(array)):
            raise TypeError(
                f"targets: one-hot rows [N, classes] must be finite numbers, "
                f"got dtype {array.dtype}"
            )
        return np.argmax(array, axis=1).astype(np.int64)
    if not np.issubdtype(array.dtype, np.integer) and array.ndim <= 1:
        raise TypeError(
            f"targets: expected class indices (ints) [N] or one-hot rows [N, classes], "
            f"got dtype {array.dtype} of shape {array.shape}"
        )
    if array.ndim == 0:
        array = np.full([n], array)
    if array.shape != (n,):
        raise ValueError(
            f"targets: expected {n} class indices [N] or {n} one-hot rows [N, classes] "
            f"for {n} images, got shape {array.shape}"
        )
    return array.astype(np.int64)


def check_targets(model, images, targets, batch_size, strategy=None, output=None):
    """Returns targets as an int32 tensor [N]; None means argmax predictions
    (of output `output`, computed under `strategy`, see `engine.resolve_strategy`)."""
    n = images.shape[0]
    if targets is None:
        scores = engine.forward(model, images, batch_size, strategy, output)
        return tf.cast(tf.argmax(scores, axis=1), tf.int32)
    targets = class_indices(targets, n)
    classes = num_classes(model) if output is None else None
    if targets.min() < 0 or (classes is not None and targets.max() >= classes):
        raise ValueError(
            f"targets: expected class indices in [0, "
            f"{classes if classes is not None else 'classes'}), got "
            f"{targets.min()}..{targets.max()}"
        )
    return tf.constant(targets, tf.int32)


def broadcast_baseline(baseline, images):
    """`baseline` (a number or an array) as a float32 tensor shaped like `images`."""
    try:
        return tf.broadcast_to(tf.cast(baseline, tf.float32), images.shape)
    except (ValueError, tf.errors.InvalidArgumentError):
        raise ValueError(
            f"baseline: expected a number or an array broadcastable to images "
            f"{tuple(images.shape)}, got shape {np.shape(baseline)}"
        ) from None


def prepare(model, images, targets, batch_size, strategy=None, target=None, output=None):
    """Checks the shared arguments of a method.

    Args:
      targets: class indices (see `class_indices`), or None for the predicted class.
      target: another score to explain (`methods.targets`), or None for the class.
      output: which output of a model with several (an index or a name).

    Returns:
      `(images, explained, batch_size, strategy)`: float32 `[N, H, W, C]`, the
      `targets.Explained` the engine scores (each image's class: the model's
      predicted class when `targets` is None), an int, and the strategy whose
      local replicas share the model inputs or None for one device
      (`engine.resolve_strategy`).

    Raises:
      TypeError, ValueError: an argument is not what a method takes.
    """
    check_model(model)
    images = check_images(images)
    batch_size = check_count("batch_size", batch_size)
    strategy = engine.resolve_strategy(strategy)
    if target is None:
        classes = check_targets(model, images, targets, batch_size, strategy, output)
        return images, _targets.Explained(_targets.classes(), classes, output), batch_size, strategy
    if targets is not None:
        raise ValueError(
            "targets and target: pass class indices (targets=) or another score (target=), not both"
        )
    target = _targets.from_callable(target)
    zeros = tf.zeros([images.shape[0]], tf.int32)
    return images, _targets.Explained(target, zeros, output), batch_size, strategy
