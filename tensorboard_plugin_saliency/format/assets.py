"""A summary's images and masks in a file beside the event files (format versions 3 and 4).

TensorBoard keeps every kept step of a tag in memory. To keep that small, a
summary's pixels (the PNG images and encoded masks of format 1, back to back in
blob order) go to one file per summary under the run's directory,

    RUN/plugins/saliency/<tag, percent-quoted>/<step>-<CRC-32C, 8 hex>.bin

and the event file gets the manifest alone, naming the file with its checksum and
the end offset and CRC-32C of each blob (`manifest.AssetInfo`). The file is complete
and durable before the record that names it is written (`write`), so a reader never
meets a record without its pixels; `read` checks the whole file and `read_blob` one
blob of it, so a damaged file is said to be damaged, never shown.

Why CRC-32C: it is the check TensorBoard's own records carry, against accidental
damage (torn copies, flipped bits, truncation), and about 4 times as fast as SHA-256.
Why a checksum per blob: a card shows one image and its masks, a filmstrip one of
each per step; reading and checking only those keeps the first view of a step as
fast as a cached one and keeps the cache for what is shown. Files named by their
SHA-256 (format 3) are still read, whole.

Why one file per summary, not chunk files with an index: a file is written once
and renamed into place (one upload on object storage, which cannot append), needs
no index to keep in step with the event file, and is deleted with its tag's
directory. A summary is 0.1 to tens of MB, so the file system's per-file overhead
(a 4 KiB block on ext4) is below 1 % (`benchmarks/bench_scale.py` prints it).
"""

import dataclasses
import hashlib
import json
import urllib.parse

import google_crc32c

from tensorboard_plugin_saliency import scores, storage
from tensorboard_plugin_saliency.format.manifest import ASSET_DIRECTORY, AssetInfo, dumps

_MAX_TAG_NAME = 120


class AssetError(ValueError):
    """A summary's asset file cannot be used; the message says which and why."""


class MissingAssetError(AssetError):
    """The asset file a manifest names is not there (deleted, or never copied)."""


class DamagedAssetError(AssetError):
    """The asset file's length or checksum differs from what its manifest says."""


def asset_path(tag, step, digest):
    """The path, relative to the run's directory, of the asset of `tag` at `step`
    whose checksum is `digest`."""
    name = urllib.parse.quote(tag, safe="")[:_MAX_TAG_NAME] or "%2F"
    return "%s/%s/%d-%s.bin" % (ASSET_DIRECTORY, name, step, digest[:16])


def checksum(data, algorithm="crc32c"):
    """The hex checksum of `data` by `algorithm`: "crc32c" or "sha256"."""
    if algorithm == "crc32c":
        return "%08x" % google_crc32c.value(data)
    return hashlib.sha256(data).hexdigest()


def pack(manifest, pixel_blobs, tag, step):
    """`(manifest naming its asset, the asset's bytes)` for one summary's pixels; the
    scores that are curves move into the file too (a last blob), the numbers stay."""
    numbers, curves = scores.split_curves(manifest.scores)
    if curves:
        pixel_blobs = list(pixel_blobs) + [dumps(curves).encode("utf-8")]
    data = b"".join(pixel_blobs)
    digest = checksum(data)
    ends, end = [], 0
    for blob in pixel_blobs:
        end += len(blob)
        ends.append(end)
    blob_digests = tuple(checksum(blob) for blob in pixel_blobs)
    path = asset_path(tag, step, digest)
    asset = AssetInfo(path, digest, tuple(ends), "crc32c", blob_digests, bool(curves))
    return dataclasses.replace(manifest, asset=asset, scores=numbers), data


def write(run_directory, asset, data):
    """Writes `data` as the asset file below `run_directory` (a path or URL), whole
    and durable before this returns: a temporary file, synced and renamed on a local
    disk; a single upload on object storage. Raises `OSError` / `StorageError`."""
    storage.location(run_directory).put_file(asset.path, data)


def read(run_directory, asset):
    """The bytes of the asset file below `run_directory`, checked against `asset`.

    Raises:
      MissingAssetError: no such file.
      DamagedAssetError: its length or checksum is not the manifest's.
    """
    data = _read(run_directory, asset)
    if len(data) != asset.size or checksum(data, asset.checksum) != asset.digest:
        raise DamagedAssetError(
            "the images and masks of this step are damaged: %s holds %d bytes that do not "
            "match the %s its event record names (%d bytes expected)"
            % (_shown(run_directory, asset), len(data), asset.checksum.upper(), asset.size)
        )
    return data


def read_blob(run_directory, asset, index):
    """The bytes of blob `index` (1 = the first image) of the asset file, read alone
    and checked against its CRC-32C; a file without per-blob checksums (format 3) is
    read and checked whole. Raises as `read`."""
    if not asset.blob_digests:
        return split(read(run_directory, asset), asset)[index - 1]
    start, end = asset.span(index)
    data = _read(run_directory, asset, start, end)
    if len(data) != end - start or checksum(data) != asset.blob_digests[index - 1]:
        raise DamagedAssetError(
            "the images and masks of this step are damaged: bytes %d to %d of %s do not "
            "match the CRC32C its event record names" % (start, end, _shown(run_directory, asset))
        )
    return data


def _read(run_directory, asset, start=None, end=None):
    try:
        where = storage.location(run_directory)
        if start is None:
            return where.read(asset.path)
        return where.read_range(asset.path, start, end)
    except Exception as e:
        if not _is_missing(e):
            raise
        raise MissingAssetError(
            "the images and masks of this step are missing: %s was deleted or not copied "
            "with the event files" % _shown(run_directory, asset)
        ) from None


def join_curves(manifest, blob):
    """`manifest`'s scores joined with the curves in `blob`, checked."""
    names = manifest.mask_names
    try:
        curves = scores.prepare_scores(json.loads(blob), names, len(manifest.samples))
    except (ValueError, TypeError) as e:
        raise DamagedAssetError(
            "the curves of this step in %s are not valid scores: %s" % (manifest.asset.path, e)
        ) from None
    return scores.join(manifest.scores, curves, names)


def split(data, asset):
    """The image and mask blobs of a checked asset file, in blob order."""
    return [data[slice(*asset.span(i))] for i in range(1, len(asset.ends) + 1)]


def _shown(run_directory, asset):
    return storage.location(run_directory).join(*asset.path.split("/"))


def _is_missing(error):
    if isinstance(error, (FileNotFoundError, NotADirectoryError)):
        return True
    return type(error).__name__ == "NotFoundError"  # tf.errors.NotFoundError (gs://)
