"""Bytes of one image or mask: PNG, 16-bit mask planes, and what a blob is."""

import gzip

import numpy as np
import pytest

from tensorboard_plugin_saliency.format import codec
from tensorboard_plugin_saliency.format.manifest import MaskInfo


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_png_round_trip(channels):
    image = np.random.default_rng(0).integers(0, 256, (17, 23, channels), dtype=np.uint8)
    assert np.array_equal(codec.decode_png(codec.encode_png(image)), image)


def test_mask_round_trip_within_half_a_step():
    mask = np.random.default_rng(1).normal(size=(31, 29)).astype(np.float32)
    blob, info = codec.encode_mask(mask)
    assert (info.width, info.height) == (29, 31)
    values = codec.decode_mask(blob, info)
    step = (info.max - info.min) / 65535
    assert np.abs(values - mask).max() <= step / 2 * 1.001
    assert np.array_equal(
        codec.decode_mask(blob, {"width": 29, "height": 31, "min": info.min, "max": info.max}),
        values,
    )


def test_snap_zero_only_within_half_a_step_of_zero_of_a_signed_mask():
    mask = np.array([[-1.0, 0.0, 1e-3, 2.1]], np.float32)
    blob, info = codec.encode_mask(mask)
    values = codec.decode_mask(blob, info)
    assert values[0, 1] != 0  # quantisation moved the written 0
    snapped = codec.snap_zero(values, info)
    assert snapped[0, 1] == 0 and snapped[0, 2] == values[0, 2] and snapped.dtype == np.float32
    positive = MaskInfo(1, 1, 0.5, 2.0)
    same = np.array([[0.5]], np.float32)
    assert codec.snap_zero(same, positive) is same


def test_unknown_mask_encoding():
    with pytest.raises(ValueError, match="unknown mask encoding 'png16'"):
        codec.decode_mask(b"", MaskInfo(1, 1, 0.0, 1.0, encoding="png16"))


def test_content_type():
    assert codec.content_type(codec.encode_png(np.zeros((2, 2, 3), np.uint8))) == (
        "image/png",
        None,
    )
    assert codec.content_type(gzip.compress(b"x")) == ("application/octet-stream", "gzip")
    assert codec.content_type(b' {"version": 1}') == ("application/json", None)
    assert codec.content_type(b"abc") == ("application/octet-stream", None)
