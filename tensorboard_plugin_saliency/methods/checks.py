"""Checks of the arguments every method shares, for both frameworks: counts, shares,
class indices.

Each check returns the argument in the form the math uses (plain ints and floats,
NumPy arrays) or raises a `TypeError` / `ValueError` that names the argument, what
it got and what was expected. The framework's own checks (images, models) are in its
adapter. This module imports neither TensorFlow nor PyTorch.
"""

import numpy as np


def check_count(name, value):
    """Returns a count parameter (steps, nsamples, ...) as an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{name}: expected an int >= 1, got {value}")
    return int(value)


def check_share(name, value):
    """Returns a share parameter (a number in [0, 1]) as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number in [0, 1], got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value!r}")
    return float(value)


def check_positive(name, value):
    """Returns a number > 0 as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number > 0, got {value!r}")
    if not value > 0:
        raise ValueError(f"{name}: expected a number > 0, got {value!r}")
    return float(value)


def check_choice(name, value, choices):
    """Returns `value` if it is one of `choices`."""
    if value not in choices:
        raise ValueError(f"{name}: expected one of {tuple(choices)}, got {value!r}")
    return value


def check_model(model):
    """Raises a TypeError unless `model` is callable."""
    if not callable(model):
        raise TypeError(
            f"model: expected a callable (a Keras model or a torch.nn.Module) mapping "
            f"images to [N, classes], got {type(model).__name__}"
        )


def class_indices(targets, n):
    """`targets` as an int64 NumPy array `[n]` of class indices.

    Accepts one class index per image `[n]` (or one for all, a scalar), or one row
    per image `[n, classes]`, one-hot or scores (Keras' categorical labels), whose
    argmax is the class.
    """
    if hasattr(targets, "detach"):  # a torch tensor
        targets = targets.detach().cpu().numpy()
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


def check_class_range(indices, classes):
    """Raises a ValueError unless every index is in [0, classes) (`classes` None: unknown)."""
    if indices.min() < 0 or (classes is not None and indices.max() >= classes):
        raise ValueError(
            f"targets: expected class indices in [0, "
            f"{classes if classes is not None else 'classes'}), got "
            f"{indices.min()}..{indices.max()}"
        )
