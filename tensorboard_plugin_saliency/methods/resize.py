"""Resizing maps `[N, h, w]` as `tf.image.resize` does (half-pixel centres, no
antialiasing), in NumPy, so that both frameworks upsample alike."""

import numpy as np


def _bilinear_axis(size_in, size_out):
    """`(lower, upper, lerp)` per output index along one axis (TensorFlow's kernel)."""
    scale = size_in / size_out
    position = (np.arange(size_out) + 0.5) * scale - 0.5
    floor = np.floor(position)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(position), size_in - 1).astype(np.int64)
    upper = np.maximum(upper, 0)
    return lower, upper, (position - floor).astype(np.float32)


def _nearest_axis(size_in, size_out):
    scale = size_in / size_out
    index = np.floor((np.arange(size_out) + 0.5) * scale).astype(np.int64)
    return np.clip(index, 0, size_in - 1)


def resize(maps, size, method="bilinear"):
    """float32 `[N, H, W]`: `maps` `[N, h, w]` resized to `size` `(H, W)`.

    Args:
      method: "bilinear" or "nearest", with `tf.image.resize`'s arithmetic.
    """
    maps = np.asarray(maps, np.float32)
    height, width = size
    if maps.shape[1:] == (height, width):
        return maps
    if method == "nearest":
        return maps[:, _nearest_axis(maps.shape[1], height)][
            :, :, _nearest_axis(maps.shape[2], width)
        ]
    top, bottom, dy = _bilinear_axis(maps.shape[1], height)
    left, right, dx = _bilinear_axis(maps.shape[2], width)
    upper = maps[:, top]
    lower = maps[:, bottom]
    rows = upper + (lower - upper) * dy[None, :, None]
    return rows[:, :, left] + (rows[:, :, right] - rows[:, :, left]) * dx[None, None, :]


def interpolation_matrix(size_in, size_out):
    """float32 `[size_out, size_in]`: bilinear interpolation with the corners aligned
    (`align_corners=True`, as `torch.nn.UpsamplingBilinear2d` and `scipy.ndimage.zoom`
    with `order=1` do), as a matrix: `M @ v` resizes `v` along one axis."""
    matrix = np.zeros((size_out, size_in), np.float32)
    if size_in == 1 or size_out == 1:
        matrix[:, 0] = 1.0
        return matrix
    position = np.arange(size_out) * (size_in - 1) / (size_out - 1)
    lower = np.minimum(np.floor(position).astype(np.int64), size_in - 1)
    upper = np.minimum(lower + 1, size_in - 1)
    lerp = (position - lower).astype(np.float32)
    rows = np.arange(size_out)
    np.add.at(matrix, (rows, lower), 1 - lerp)
    np.add.at(matrix, (rows, upper), lerp)
    return matrix
