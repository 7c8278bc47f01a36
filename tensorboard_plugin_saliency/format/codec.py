"""Bytes of one stored image or mask: PNG for images, 16-bit planes + gzip for masks.

A mask keeps its raw values: quantised to 16 bits over its own min..max, split into
a high-byte and a low-byte plane, and gzip-compressed, so that the browser inflates
it natively (`Content-Encoding: gzip`) and gets every value within 1/131070 of the
mask's range (see `docs/format.md` for the measurements behind the choice).
"""

import io
import struct
import zlib

import numpy as np
from PIL import Image

from tensorboard_plugin_saliency.format.manifest import MASK_ENCODING, MaskInfo

_LEVELS = 65535


def deflate(data, wbits, strategy=zlib.Z_DEFAULT_STRATEGY):
    """`data` deflated at the fastest level; `wbits` 15: a zlib stream, 31: gzip."""
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
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)),
            _png_chunk(b"IDAT", deflate(filtered.tobytes(), 15, zlib.Z_RLE)),
            _png_chunk(b"IEND", b""),
        ]
    )


def decode_png(data):
    """uint8 `[H, W, C]` pixels of PNG bytes."""
    with Image.open(io.BytesIO(data)) as im:
        pixels = np.asarray(im)
    return pixels[..., None] if pixels.ndim == 2 else pixels


def encode_mask(mask):
    """`(blob, MaskInfo)` of one float32 mask `[h, w]`."""
    lo, hi = float(mask.min()), float(mask.max())
    if hi > lo:
        scaled = (mask.astype(np.float64) - lo) * (_LEVELS / (hi - lo))
        q = np.rint(scaled).astype(np.uint16)
    else:
        q = np.zeros(mask.shape, np.uint16)
    high = (q >> 8).astype(np.uint8).ravel()
    low = (q & 0xFF).astype(np.uint8).ravel()
    blob = deflate(np.concatenate([high, low]).tobytes(), 31)
    return blob, MaskInfo(width=int(mask.shape[1]), height=int(mask.shape[0]), min=lo, max=hi)


def decode_mask(blob, info):
    """float32 `[h, w]` values of a mask blob described by its `MaskInfo`.

    `info` may also be the mask's JSON object from a manifest (a dict).
    """
    if isinstance(info, dict):
        info = MaskInfo(
            width=info["width"],
            height=info["height"],
            min=info["min"],
            max=info["max"],
            encoding=info.get("encoding", MASK_ENCODING),
        )
    if info.encoding != MASK_ENCODING:
        raise ValueError("unknown mask encoding %r" % info.encoding)
    h, w = int(info.height), int(info.width)
    planes = np.frombuffer(zlib.decompress(blob, 47), dtype=np.uint8)
    if planes.size != 2 * h * w:
        raise ValueError("mask blob holds %d bytes, expected %d" % (planes.size, 2 * h * w))
    q = (planes[: h * w].astype(np.uint32) << 8) | planes[h * w :]
    lo, hi = float(info.min), float(info.max)
    values = lo + q.astype(np.float64) * ((hi - lo) / _LEVELS)
    return values.astype(np.float32).reshape(h, w)


def snap_zero(values, info):
    """`values` with every value within half a quantisation step of 0 set to 0.

    A mask spanning zero is stored over its own [min, max] in 65535 steps, so a
    written 0 usually comes back as +-(max - min)/131070; every value is only known to
    half a step anyway. The page does the same (`frontend/pipeline/decode.js`), so a
    pixel whose mask was zero shows the plain image in both.
    """
    half = (info.max - info.min) / 131070 * (1 + 1e-6)
    if not (half > 0 and info.min < 0 < info.max):
        return values
    return np.where(np.abs(values) <= half, np.float32(0), values).astype(np.float32)


def content_type(data):
    """`(content_type, content_encoding)` of a stored blob, from its first bytes."""
    head = bytes(data[:8])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", None
    if head.startswith(b"\x1f\x8b"):
        return "application/octet-stream", "gzip"
    if head.lstrip()[:1] in (b"{", b"["):
        return "application/json", None
    return "application/octet-stream", None
