"""Arrays in, blobs out, and back: validation, channel reduction, PNG, mask coding.

The layout of the blobs is written down in `docs/format.md`. Nothing here imports
TensorFlow or PyTorch: tensors of either are turned into NumPy arrays by duck typing.
"""

import io
import json
import os
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image

from tensorboard_plugin_saliency import metadata

# Largest side, in pixels, of an image or mask.
MAX_SIDE = 8192
# Largest total size, in bytes, of the blobs of one summary.
MAX_SUMMARY_BYTES = 256 * 1024 * 1024
# Name of the mask when `masks` is a single array rather than a dict.
DEFAULT_MASK_NAME = "mask"
CHANNEL_REDUCTIONS = ("sum", "abs_sum", "max_abs")
MASK_ENCODING = "u16planes+gzip"
_CHANNELS = (1, 3, 4)
_LEVELS = 65535
_POOL = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1),
                           thread_name_prefix="saliency-encode")


# ---------------------------------------------------------------------------
# Conversion of user arrays.


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
        raise TypeError(
            "%s: expected a numeric array, got dtype %s" % (argument, array.dtype)
        )
    if array.size == 0:
        raise ValueError("%s: empty array of shape %s" % (argument, array.shape))
    return array


def _check_name(value, argument):
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
    _check_name(tag, "tag")


# ---------------------------------------------------------------------------
# Images.


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
                "image: expected 1, 3 or 4 channels on the last axis, got shape %s"
                % (array.shape,)
            )
    n, h, w, _ = array.shape
    if h > MAX_SIDE or w > MAX_SIDE:
        raise ValueError(
            "image: %dx%d exceeds the limit of %d pixels a side" % (h, w, MAX_SIDE)
        )
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
        raise ValueError(
            "image: integer values must lie in 0..255, got range [%d, %d]" % (lo, hi)
        )
    return array.astype(np.uint8)


def _gzip(data, wbits, strategy=zlib.Z_DEFAULT_STRATEGY):
    """Deflate `data` at the fastest level; `wbits` 15: zlib stream, 31: gzip."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, wbits, 9, strategy)
    return compressor.compress(data) + compressor.flush()


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image):
    """PNG bytes of one uint8 image `[H, W, C]` (every row with the "Up" filter)."""
    h, w, c = image.shape
    rows = image.reshape(h, w * c)
    filtered = np.empty((h, w * c + 1), np.uint8)
    filtered[:, 0] = 2  # Filter type "Up": each byte minus the one above it.
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])
    color_type = {1: 0, 3: 2, 4: 6}[c]
    return b"".join([
        b"\x89PNG\r\n\x1a\n",
        _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)),
        _png_chunk(b"IDAT", _gzip(filtered.tobytes(), 15, zlib.Z_RLE)),
        _png_chunk(b"IEND", b""),
    ])


def decode_png(data):
    """uint8 `[H, W, C]` pixels of PNG bytes."""
    with Image.open(io.BytesIO(data)) as im:
        pixels = np.asarray(im)
    return pixels[..., None] if pixels.ndim == 2 else pixels


# ---------------------------------------------------------------------------
# Masks.


def prepare_masks(masks, n, image_size, channel_reduction):
    """`masks` as a list of `(name, float32 [n, h, w])`, in the given order.

    Args:
      masks: one array or a mapping `{name: array}`.
      n: the number of images in the batch.
      image_size: `(H, W)` of the images, used to tell channel axes apart.
      channel_reduction: one of `CHANNEL_REDUCTIONS`.
    """
    if channel_reduction not in CHANNEL_REDUCTIONS:
        raise ValueError(
            "channel_reduction: expected one of %s, got %r"
            % (", ".join(CHANNEL_REDUCTIONS), channel_reduction)
        )
    if isinstance(masks, Mapping):
        if not masks:
            raise ValueError("masks: expected at least one mask, got an empty dict")
        items = list(masks.items())
    else:
        items = [(DEFAULT_MASK_NAME, masks)]
    result = []
    for name, value in items:
        _check_name(name, "masks: mask name")
        argument = "masks[%r]" % name
        array = to_numpy(value, argument)
        array = _batched_hwc(array, n, image_size, argument)
        reduced = _reduce_channels(array, channel_reduction)
        bad = int(np.count_nonzero(~np.isfinite(reduced)))
        if bad:
            raise ValueError(
                "%s: %d of %d values are not finite (NaN or inf); expected finite values"
                % (argument, bad, reduced.size)
            )
        h, w = reduced.shape[1:]
        if h > MAX_SIDE or w > MAX_SIDE:
            raise ValueError(
                "%s: %dx%d exceeds the limit of %d pixels a side" % (argument, h, w, MAX_SIDE)
            )
        result.append((name, reduced))
    return result


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


def encode_mask(mask):
    """`(blob, info)` for one float32 mask `[h, w]`; `info` goes in the manifest."""
    lo, hi = float(mask.min()), float(mask.max())
    if hi > lo:
        scaled = (mask.astype(np.float64) - lo) * (_LEVELS / (hi - lo))
        q = np.rint(scaled).astype(np.uint16)
    else:
        q = np.zeros(mask.shape, np.uint16)
    planes = np.concatenate([(q >> 8).astype(np.uint8).ravel(), (q & 0xFF).astype(np.uint8).ravel()])
    blob = _gzip(planes.tobytes(), 31)
    info = {
        "width": int(mask.shape[1]),
        "height": int(mask.shape[0]),
        "min": lo,
        "max": hi,
        "encoding": MASK_ENCODING,
    }
    return blob, info


def decode_mask(blob, info):
    """float32 `[h, w]` values of a mask blob described by its manifest `info`."""
    if info.get("encoding", MASK_ENCODING) != MASK_ENCODING:
        raise ValueError("unknown mask encoding %r" % info.get("encoding"))
    h, w = int(info["height"]), int(info["width"])
    planes = np.frombuffer(zlib.decompress(blob, 47), dtype=np.uint8)
    if planes.size != 2 * h * w:
        raise ValueError("mask blob holds %d bytes, expected %d" % (planes.size, 2 * h * w))
    q = (planes[: h * w].astype(np.uint32) << 8) | planes[h * w :]
    lo, hi = float(info["min"]), float(info["max"])
    values = lo + q.astype(np.float64) * ((hi - lo) / _LEVELS)
    return values.astype(np.float32).reshape(h, w)


# ---------------------------------------------------------------------------
# Labels and provenance.


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
            "labels: expected a string or a sequence of strings, got %s"
            % type(labels).__name__
        )
    if len(labels) != n:
        raise ValueError("labels: got %d labels for a batch of %d images" % (len(labels), n))
    result = []
    for i, label in enumerate(labels):
        if isinstance(label, bytes):
            label = label.decode("utf-8", errors="replace")
        if not isinstance(label, str):
            raise TypeError(
                "labels[%d]: expected a string, got %s" % (i, type(label).__name__)
            )
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
            params[name] = json.loads(_dumps(dict(value)))
        except (TypeError, ValueError) as e:
            raise ValueError(
                "method_params[%r]: not representable as JSON (%s)" % (name, e)
            ) from None
    return params


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError("%r is not JSON serialisable" % (value,))


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_json_default)


# ---------------------------------------------------------------------------
# Whole summaries.


def check_max_outputs(max_outputs):
    if isinstance(max_outputs, bool) or not isinstance(max_outputs, (int, np.integer)):
        raise TypeError(
            "max_outputs: expected an integer, got %s" % type(max_outputs).__name__
        )
    if max_outputs < 1:
        raise ValueError("max_outputs: expected at least 1, got %d" % max_outputs)


def encode_summary(image, masks, *, labels=None, max_outputs=3, method_params=None,
                   channel_reduction="sum"):
    """The list of blobs (bytes) of one saliency summary; raises on bad input."""
    check_max_outputs(max_outputs)
    images = prepare_images(image)
    n = images.shape[0]
    prepared = prepare_masks(masks, n, images.shape[1:3], channel_reduction)
    label_list = prepare_labels(labels, n)
    params = prepare_params(method_params, [name for name, _ in prepared])
    kept = min(n, int(max_outputs))

    # zlib lets go of the GIL, so the images and masks are compressed side by side.
    image_blobs = list(_POOL.map(encode_png, images[:kept]))
    encoded = list(_POOL.map(encode_mask, [values[i] for i in range(kept) for _, values in prepared]))
    mask_blobs = [blob for blob, _ in encoded]
    samples = []
    for i in range(kept):
        infos = [info for _, info in encoded[i * len(prepared):(i + 1) * len(prepared)]]
        h, w, c = images.shape[1:]
        samples.append({
            "label": label_list[i] if label_list is not None else None,
            "image": {"width": int(w), "height": int(h), "channels": int(c)},
            "masks": infos,
        })
    manifest = {
        "version": metadata.FORMAT_VERSION,
        "channel_reduction": channel_reduction,
        "masks": [{"name": name, "params": params[name]} for name, _ in prepared],
        "samples": samples,
    }
    blobs = [_dumps(manifest).encode("utf-8")] + image_blobs + mask_blobs
    total = sum(len(b) for b in blobs)
    if total > MAX_SUMMARY_BYTES:
        raise ValueError(
            "image and masks: the summary would take %.1f MiB, over the limit of %d MiB; "
            "lower max_outputs or the image size"
            % (total / 2**20, MAX_SUMMARY_BYTES // 2**20)
        )
    return blobs


def parse_manifest(blob):
    """The manifest dict of blob 0; raises `ValueError` if it is not one."""
    try:
        manifest = json.loads(bytes(blob).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError("saliency manifest is not UTF-8 JSON: %s" % e) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("version"), int):
        raise ValueError("saliency manifest has no integer 'version'")
    metadata.check_version(manifest["version"])
    masks, samples = manifest.get("masks"), manifest.get("samples")
    if not isinstance(masks, list) or not isinstance(samples, list):
        raise ValueError("saliency manifest lacks its 'masks' or 'samples' list")
    for sample in samples:
        if not isinstance(sample, dict) or len(sample.get("masks", ())) != len(masks):
            raise ValueError("saliency manifest: a sample does not list every mask")
    return manifest


def image_index(manifest, sample):
    """Index, in the blob sequence, of the image of `sample`."""
    return 1 + sample


def mask_index(manifest, sample, mask):
    """Index, in the blob sequence, of mask number `mask` of `sample`."""
    return 1 + len(manifest["samples"]) + sample * len(manifest["masks"]) + mask


def blob_count(manifest):
    """Number of blobs a summary with this manifest holds."""
    return 1 + len(manifest["samples"]) * (1 + len(manifest["masks"]))
