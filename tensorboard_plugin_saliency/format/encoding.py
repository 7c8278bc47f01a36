"""One saliency summary as its list of blobs, and back.

`encode_summary` checks the user's arrays (`arrays`), encodes each image and mask
(`codec`) and puts the `Manifest` first; `decode_summary` is the one decoder of
such a list, used by the reader, the plugin's renderer and the tests. The layout
is written down in `docs/format.md`.

The other names here are kept for code written against v1 of this module.
"""

import dataclasses
import functools
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tensorboard_plugin_saliency import scores as score_lib
from tensorboard_plugin_saliency.arrays import (  # noqa: F401  (v1 names)
    CHANNEL_REDUCTIONS,
    DEFAULT_MASK_NAME,
    MAX_SIDE,
    check_max_outputs,
    check_tag,
    prepare_images,
    prepare_labels,
    prepare_masks,
    prepare_params,
    to_numpy,
)
from tensorboard_plugin_saliency.format import assets, codec
from tensorboard_plugin_saliency.format.codec import (  # noqa: F401
    decode_mask,
    decode_png,
    encode_mask,
    encode_png,
)
from tensorboard_plugin_saliency.format.manifest import (
    MASK_ENCODING,  # noqa: F401
    ImageInfo,
    Manifest,
    MaskSpec,
    SampleInfo,
)

MAX_SUMMARY_BYTES = 256 * 1024 * 1024
"""Largest total size, in bytes, of the blobs of one summary."""

logger = logging.getLogger(__name__)
_cut_said = set()
_cut_lock = threading.Lock()


@functools.cache
def _pool():
    """Threads that compress images and masks side by side (zlib lets go of the GIL)."""
    return ThreadPoolExecutor(
        max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="saliency-encode"
    )


@dataclasses.dataclass
class DecodedSummary:
    """The arrays of one summary: what the writer was given, after quantisation."""

    manifest: Manifest
    images: np.ndarray  # uint8 [N, H, W, C]
    masks: dict  # mask name -> float32 [N, h, w]
    labels: list | None  # one string per image, or None
    method_params: dict  # mask name -> dict
    scores: dict = dataclasses.field(default_factory=dict)  # mask -> score name -> array


def encode_summary(image, masks, **kwargs):
    """The list of blobs (bytes) of one saliency summary that holds its pixels: the
    manifest, then the images and masks. Arguments as in `encode_parts`."""
    manifest, pixel_blobs = encode_parts(image, masks, **kwargs)
    return [manifest.to_json()] + pixel_blobs


def encode_parts(
    image,
    masks,
    *,
    labels=None,
    max_outputs=None,
    method_params=None,
    channel_reduction="sum",
    tag=None,
    scores=None,
):
    """`(Manifest, image and mask blobs)` of one saliency summary; raises on bad input.

    `max_outputs` keeps only the first images of the batch (None: all of them); a
    cut batch is logged once per `tag`. `scores`: see `scores.prepare_scores`.
    """
    if max_outputs is not None:
        check_max_outputs(max_outputs)
    images = prepare_images(image)
    n = images.shape[0]
    prepared = prepare_masks(masks, n, images.shape[1:3], channel_reduction)
    label_list = prepare_labels(labels, n)
    params = prepare_params(method_params, [name for name, _ in prepared])
    mask_scores = score_lib.prepare_scores(scores, [name for name, _ in prepared], n)
    kept = n if max_outputs is None else min(n, int(max_outputs))
    if kept < n:
        _say_cut(tag, kept, n)

    pool = _pool()
    image_blobs = list(pool.map(codec.encode_png, images[:kept]))
    per_image = [values[i] for i in range(kept) for _, values in prepared]
    encoded = list(pool.map(codec.encode_mask, per_image))
    h, w, c = images.shape[1:]
    samples = tuple(
        SampleInfo(
            label=label_list[i] if label_list is not None else None,
            image=ImageInfo(width=int(w), height=int(h), channels=int(c)),
            masks=tuple(info for _, info in encoded[i * len(prepared) : (i + 1) * len(prepared)]),
        )
        for i in range(kept)
    )
    manifest = Manifest(
        masks=tuple(MaskSpec(name, params[name]) for name, _ in prepared),
        samples=samples,
        channel_reduction=channel_reduction,
        scores=score_lib.cut(mask_scores, kept),
    )
    pixel_blobs = image_blobs + [blob for blob, _ in encoded]
    total = sum(len(b) for b in pixel_blobs)
    if total > MAX_SUMMARY_BYTES:
        raise ValueError(
            "image and masks: the summary of %d images would take %.1f MiB, over the limit "
            "of %d MiB; keep fewer images with max_outputs=N, or lower the image size"
            % (kept, total / 2**20, MAX_SUMMARY_BYTES // 2**20)
        )
    return manifest, pixel_blobs


def _say_cut(tag, kept, n):
    """Logs, once per tag, that `max_outputs` keeps `kept` of `n` images."""
    with _cut_lock:
        if tag in _cut_said:
            return
        _cut_said.add(tag)
    logger.warning(
        "saliency summary %r: max_outputs=%d keeps %d of the batch's %d images (said once per tag)",
        tag,
        kept,
        kept,
        n,
    )


def decode_summary(blobs, run_directory=None):
    """The `DecodedSummary` of one summary's blob list.

    A summary whose pixels live in an asset file (format 3 or 4) reads them, and the
    curves of its scores, from below `run_directory`, the directory (or URL) of the
    run that holds its event file.

    Raises:
      metadata.FormatVersionError: a newer format than this package reads.
      assets.AssetError: its asset file is missing or damaged.
      ValueError: the blobs are not a saliency summary.
    """
    manifest = Manifest.from_json(blobs[0])
    if len(blobs) != manifest.blob_count:
        raise ValueError(
            "saliency summary holds %d blobs, its manifest expects %d"
            % (len(blobs), manifest.blob_count)
        )
    if manifest.asset is not None:
        if run_directory is None:
            raise ValueError(
                "this saliency summary keeps its images and masks in %s beside the event "
                "files: read it with read_saliency(logdir), or pass run_directory"
                % manifest.asset.path
            )
        data = assets.read(run_directory, manifest.asset)
        blobs = [blobs[0]] + assets.split(data, manifest.asset)
    all_scores = manifest.scores
    if manifest.asset is not None and manifest.asset.curves:
        all_scores = assets.join_curves(manifest, blobs[-1])
    count = len(manifest.samples)
    images = np.stack([decode_png(blobs[manifest.image_index(i)]) for i in range(count)])
    masks = {}
    for j, spec in enumerate(manifest.masks):
        masks[spec.name] = np.stack(
            [
                decode_mask(blobs[manifest.mask_index(i, j)], manifest.samples[i].masks[j])
                for i in range(count)
            ]
        )
    labels = [s.label for s in manifest.samples]
    if all(label is None for label in labels):
        labels = None
    params = {spec.name: spec.params for spec in manifest.masks}
    mask_scores = {
        mask: {name: np.asarray(values, np.float64) for name, values in named.items()}
        for mask, named in all_scores.items()
    }
    return DecodedSummary(manifest, images, masks, labels, params, mask_scores)


# v1 names.
parse_manifest = Manifest.from_json


def image_index(manifest, sample):
    """Index, in the blob sequence, of the image of `sample` (v1 name)."""
    return manifest.image_index(sample)


def mask_index(manifest, sample, mask):
    """Index, in the blob sequence, of mask number `mask` of `sample` (v1 name)."""
    return manifest.mask_index(sample, mask)


def blob_count(manifest):
    """Number of blobs a summary with this manifest holds (v1 name)."""
    return manifest.blob_count
