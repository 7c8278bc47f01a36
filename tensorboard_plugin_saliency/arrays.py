"""User input as arrays: images, masks, labels and method parameters, checked.

Every writer goes through here, so every writer refuses the same mistakes with the
same message (naming the argument, what it got and what was expected). Nothing here
imports TensorFlow or PyTorch: tensors of either become NumPy arrays by duck typing.
"""

import json
from collections.abc import Mapping, Sequence

import numpy as np

from tensorboard_plugin_saliency import validate
from tensorboard_plugin_saliency.format import manifest

MAX_SIDE = 8192
"""Largest side, in pixels, of an image or mask."""

DEFAULT_MASK_NAME = "mask"
"""Name of the mask when `masks` is a single array rather than a dict."""

CHANNEL_REDUCTIONS = ("sum", "abs_sum", "max_abs")
"""How the channels of a mask become one value: signed sum, PAIR's |.| sum, max |.|."""

_CHANNELS = (1, 3, 4)


def to_numpy(value, argument):
    """`value` (NumPy array, TF or torch tensor, nested list) as a NumPy array."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor
        value = value.detach().cpu().numpy()
    elif hasattr(value, "numpy") and not isinstance(value, np.ndarray):  # tf.Tensor
        value = value.numpy()
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as e:
        raise TypeError("%s: cannot be read as an array (%s)" % (argument, e)) from None
    if array.dtype.kind not in "biuf":
        raise TypeError("%s: expected a numeric array, got dtype %s" % (argument, array.dtype))
    if array.size == 0:
        raise ValueError("%s: empty array of shape %s" % (argument, array.shape))
    return array


def check_name(value, argument):
    """Raises if `value` is not a usable name (tag, mask name): text, not blank, no
    control characters, at most 1024 characters."""
    if not isinstance(value, str):
        raise TypeError("%s: expected a string, got %r" % (argument, type(value).__name__))
    if not value.strip():
        raise ValueError("%s: must not be empty or blank, got %r" % (argument, value))
    if len(value) > 1024:
        raise ValueError("%s: at most 1024 characters, got %d" % (argument, len(value)))
    bad = [c for c in value if ord(c) < 32 or ord(c) == 127]
    if bad:
        raise ValueError("%s: contains control character %r in %r" % (argument, bad[0], value))


def check_tag(tag):
    """Raises if `tag` is not a usable TensorBoard tag."""
    check_name(tag, "tag")


def prepare_images(image):
    """The `image` argument as uint8 `[N, H, W, C]` with C in {1, 3, 4}.

    Accepts `[H, W]`, `[H, W, C]`, `[N, H, W, C]`, and channel-first `[C, H, W]` /
    `[N, C, H, W]` when the last axis cannot be a channel axis.
    """
    array = to_numpy(image, "image")
    if array.ndim == 2:
        array = array[None, :, :, None]
    elif array.ndim == 3:
        array = array[None]
    elif array.ndim != 4:
        raise ValueError(
            "image: expected [H,W], [H,W,C] or [N,H,W,C], got shape %s" % (array.shape,)
        )
    if array.shape[-1] not in _CHANNELS:
        if array.shape[1] in _CHANNELS:
            array = np.moveaxis(array, 1, -1)
        else:
            raise ValueError(
                "image: expected 1, 3 or 4 channels on the last axis, got shape %s" % (array.shape,)
            )
    n, h, w, _ = array.shape
    if h > MAX_SIDE or w > MAX_SIDE:
        raise ValueError("image: %dx%d exceeds the limit of %d pixels a side" % (h, w, MAX_SIDE))
    return _to_uint8(array)


def _to_uint8(array):
    kind = array.dtype.kind
    if kind == "b":
        raise TypeError("image: expected uint8 in 0..255 or float in [0, 1], got bool")
    if kind == "f":
        bad = ~np.isfinite(array)
        if bad.any():
            raise ValueError("image: %d non-finite values (NaN or inf)" % bad.sum())
        lo, hi = float(array.min()), float(array.max())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(
                "image: float values must lie in [0, 1], got range [%g, %g]" % (lo, hi)
            )
        return np.rint(array.astype(np.float64) * 255.0).astype(np.uint8)
    if array.dtype == np.uint8:
        return array
    lo, hi = int(array.min()), int(array.max())
    if lo < 0 or hi > 255:
        raise ValueError("image: integer values must lie in 0..255, got range [%d, %d]" % (lo, hi))
    return array.astype(np.uint8)


def prepare_masks(masks, n, image_size, channel_reduction):
    """`masks` as a list of `(name, float32 [n, h, w])`, in the given order.

    Args:
      masks: one array or a mapping `{name: array}`.
      n: the number of images in the batch.
      image_size: `(H, W)` of the images, used to tell channel axes apart.
      channel_reduction: one of `CHANNEL_REDUCTIONS`.
    """
    validate.choice("channel_reduction", channel_reduction, CHANNEL_REDUCTIONS)
    if isinstance(masks, Mapping):
        if not masks:
            raise ValueError("masks: expected at least one mask, got an empty dict")
        items = list(masks.items())
    else:
        items = [(DEFAULT_MASK_NAME, masks)]
    result = []
    for name, value in items:
        check_name(name, "masks: mask name")
        argument = "masks[%r]" % name
        array = to_numpy(value, argument)
        array = _batched_hwc(array, n, image_size, argument)
        check_mask_size(argument, array.shape[1:3], image_size)
        reduced = _reduce_channels(array, channel_reduction)
        bad = int(np.count_nonzero(~np.isfinite(reduced)))
        if bad:
            raise ValueError(
                "%s: %d of %d values are not finite (NaN or inf); expected finite values"
                % (argument, bad, reduced.size)
            )
        result.append((name, reduced))
    return result


def check_mask_size(argument, mask_size, image_size):
    """Raises unless a mask of `mask_size` (h, w) fits images of `image_size` (H, W):
    the same size, or smaller with the same aspect ratio (within a rounding pixel),
    as a 7x7 Grad-CAM map for a 224x224 image is."""
    (h, w), (height, width) = mask_size, image_size
    same_shape = abs(h * width - w * height) <= max(height, width)  # one pixel either way
    if h <= height and w <= width and same_shape:
        return
    hint = ""
    if (h, w) == (width, height):
        hint = " (it looks transposed)"
    raise ValueError(
        "%s: a mask of %dx%d (h x w) for images of %dx%d%s; expected the image's size "
        "or a smaller map with its aspect ratio (e.g. 7x7 Grad-CAM for 224x224), as "
        "[h,w], [h,w,C], [N,h,w], [N,h,w,C] or [N,C,h,w]" % (argument, h, w, height, width, hint)
    )


def _batched_hwc(array, n, image_size, argument):
    """`array` as `[n, h, w, C]`, whatever batch and channel layout it came in."""
    shape = array.shape
    if array.ndim == 2:
        if n != 1:
            raise ValueError(
                "%s: got one mask of shape %s for a batch of %d images; expected a "
                "leading batch axis of %d" % (argument, shape, n, n)
            )
        return array[None, :, :, None]
    if array.ndim == 3:
        if shape[0] == n:
            return array[:, :, :, None]  # [N, h, w]
        if n == 1:
            return _channels_last(array, image_size, argument, shape)[None]
        raise ValueError(
            "%s: shape %s has a leading axis of %d but the image batch has %d; expected "
            "[N,h,w], [N,h,w,C] or [N,C,h,w] with N=%d" % (argument, shape, shape[0], n, n)
        )
    if array.ndim == 4:
        if shape[0] != n:
            raise ValueError(
                "%s: batch of %d masks for a batch of %d images (shape %s)"
                % (argument, shape[0], n, shape)
            )
        axis = _channel_axis(shape[1:], image_size, argument, shape)
        return array if axis == -1 else np.moveaxis(array, 1, -1)
    raise ValueError(
        "%s: expected [h,w], [h,w,C] or a batch [N,h,w] / [N,h,w,C] / [N,C,h,w], got "
        "shape %s" % (argument, shape)
    )


def _channel_axis(dims, image_size, argument, shape):
    """-1 or 0: where the channel axis is in a 3D mask of `dims` = (a, b, c)."""
    a, b, c = dims
    last = c in _CHANNELS and (a, b) == tuple(image_size)
    first = a in _CHANNELS and (b, c) == tuple(image_size)
    if last != first:
        return -1 if last else 0
    if not last:  # a mask at another size than the image: go by the channel counts
        last, first = c in _CHANNELS, a in _CHANNELS
        if last != first:
            return -1 if last else 0
    raise ValueError(
        "%s: cannot tell the channel axis of shape %s for images of size %s; expected "
        "[h,w,C] or [C,h,w] with C in 1, 3, 4 on one side only"
        % (argument, shape, "x".join(map(str, image_size)))
    )


def _channels_last(array, image_size, argument, shape):
    axis = _channel_axis(array.shape, image_size, argument, shape)
    return array if axis == -1 else np.moveaxis(array, 0, -1)


def _reduce_channels(array, channel_reduction):
    """float32 `[n, h, w]` from `[n, h, w, C]`."""
    values = array.astype(np.float32, copy=False)
    if values.shape[-1] == 1:
        return np.array(values[..., 0], dtype=np.float32)
    if channel_reduction == "sum":
        return values.sum(axis=-1, dtype=np.float32)
    if channel_reduction == "abs_sum":
        return np.abs(values).sum(axis=-1, dtype=np.float32)
    return np.abs(values).max(axis=-1)


def prepare_labels(labels, n):
    """A list of `n` label strings, or `None`."""
    if labels is None:
        return None
    if hasattr(labels, "numpy") and not isinstance(labels, np.ndarray):
        labels = labels.numpy()
    if isinstance(labels, (str, bytes)):
        labels = [labels]
    if isinstance(labels, np.ndarray):
        labels = labels.reshape(-1).tolist()
    if not isinstance(labels, Sequence):
        raise TypeError(
            "labels: expected a string or a sequence of strings, got %s" % type(labels).__name__
        )
    if len(labels) != n:
        raise ValueError("labels: got %d labels for a batch of %d images" % (len(labels), n))
    result = []
    for i, label in enumerate(labels):
        if isinstance(label, bytes):
            label = label.decode("utf-8", errors="replace")
        if not isinstance(label, str):
            raise TypeError("labels[%d]: expected a string, got %s" % (i, type(label).__name__))
        result.append(label)
    return result


def prepare_params(method_params, names):
    """`{mask name: params dict}` for every name, JSON-safe, from `method_params`."""
    params = {name: {} for name in names}
    if method_params is None:
        return params
    if not isinstance(method_params, Mapping):
        raise TypeError(
            "method_params: expected a dict {mask name: dict}, got %s"
            % type(method_params).__name__
        )
    for name, value in method_params.items():
        if name not in params:
            raise ValueError(
                "method_params: %r is not a mask name; the masks are %s"
                % (name, ", ".join(map(repr, names)))
            )
        if not isinstance(value, Mapping):
            raise TypeError(
                "method_params[%r]: expected a dict, got %s" % (name, type(value).__name__)
            )
        try:
            params[name] = json.loads(manifest.dumps(dict(value)))
        except (TypeError, ValueError) as e:
            raise ValueError(
                "method_params[%r]: not representable as JSON (%s)" % (name, e)
            ) from None
    return params


def check_max_outputs(max_outputs):
    """Raises unless `max_outputs` is an integer of at least 1."""
    validate.integer("max_outputs", max_outputs, minimum=1)
