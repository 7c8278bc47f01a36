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

from tensorboard_plugin_saliency import regions as region_lib
from tensorboard_plugin_saliency import scores as score_lib
from tensorboard_plugin_saliency import storage
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
from tensorboard_plugin_saliency.format import fields as field_lib
from tensorboard_plugin_saliency.format import parts as parts_lib
from tensorboard_plugin_saliency.format.codec import (  # noqa: F401
    decode_mask,
    decode_png,
    encode_mask,
    encode_png,
)
from tensorboard_plugin_saliency.format.manifest import (
    MASK_ENCODING,  # noqa: F401
    MAX_ID,
    ImageInfo,
    Manifest,
    MaskSpec,
    RegionInfo,
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
    fields: list = dataclasses.field(default_factory=list)  # one {name: value} per image
    ids: list = dataclasses.field(default_factory=list)  # one id per image, or None
    class_names: list | None = None
    parts: tuple = (1, None)
    """(parts found, parts the writers said the step has, or None)."""
    regions: list = dataclasses.field(default_factory=list)
    """One `regions.ImageRegion` (its ground truth) or None per image."""


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
    fields=None,
    class_names=None,
    ids=None,
    regions=None,
):
    """`(Manifest, image and mask blobs)` of one saliency summary; raises on bad input.

    `max_outputs` keeps only the first images of the batch (None: all of them); a
    cut batch is logged once per `tag`. `scores`: see `scores.prepare_scores`.
    `fields`, `class_names`: see `fields.check_fields`; without `labels`, each image's
    caption is made from its fields. `ids`: one distinct text per image. `regions`:
    the images' ground truth, see `regions.prepare_regions`.
    """
    if max_outputs is not None:
        check_max_outputs(max_outputs)
    images = prepare_images(image)
    n = images.shape[0]
    prepared = prepare_masks(masks, n, images.shape[1:3], channel_reduction)
    label_list = prepare_labels(labels, n)
    class_names = field_lib.check_class_names(class_names)
    rows = field_lib.check_fields(fields, n, class_names)
    id_list = prepare_ids(ids, n)
    region_list = region_lib.prepare_regions(regions, n, images.shape[1:3])
    if label_list is None and any(rows):
        label_list = [field_lib.caption(row, class_names) for row in rows]
    params = prepare_params(method_params, [name for name, _ in prepared])
    mask_scores = score_lib.prepare_scores(scores, [name for name, _ in prepared], n)
    kept = n if max_outputs is None else min(n, int(max_outputs))
    if kept < n:
        _say_cut(tag, kept, n)

    pool = _pool()
    image_blobs = list(pool.map(codec.encode_png, images[:kept]))
    per_image = [values[i] for i in range(kept) for _, values in prepared]
    encoded = list(pool.map(codec.encode_mask, per_image))
    region_masks = [r.mask for r in region_list[:kept] if r is not None and r.mask is not None]
    region_encoded = list(pool.map(codec.encode_mask, [m.astype(np.float32) for m in region_masks]))
    region_infos = _region_infos(region_list[:kept], [info for _, info in region_encoded])
    h, w, c = images.shape[1:]
    samples = tuple(
        SampleInfo(
            label=label_list[i] if label_list is not None else None,
            image=ImageInfo(width=int(w), height=int(h), channels=int(c)),
            masks=tuple(info for _, info in encoded[i * len(prepared) : (i + 1) * len(prepared)]),
            id=id_list[i] if id_list is not None else None,
            fields=rows[i],
            region=region_infos[i],
        )
        for i in range(kept)
    )
    manifest = Manifest(
        masks=tuple(MaskSpec(name, params[name]) for name, _ in prepared),
        samples=samples,
        channel_reduction=channel_reduction,
        scores=score_lib.cut(mask_scores, kept),
        class_names=None if class_names is None else tuple(class_names),
    )
    pixel_blobs = image_blobs + [blob for blob, _ in encoded]
    pixel_blobs += [blob for blob, _ in region_encoded]
    total = sum(len(b) for b in pixel_blobs)
    if total > MAX_SUMMARY_BYTES:
        raise ValueError(
            "image and masks: the summary of %d images would take %.1f MiB, over the limit "
            "of %d MiB; keep fewer images with max_outputs=N, or lower the image size"
            % (kept, total / 2**20, MAX_SUMMARY_BYTES // 2**20)
        )
    return manifest, pixel_blobs


def _region_infos(regions, mask_infos):
    """One `RegionInfo` (or None) per image of `regions`, its mask's `MaskInfo` taken
    in turn from `mask_infos` (those of the images with a region mask, in order)."""
    infos = iter(mask_infos)
    return [
        None if r is None else RegionInfo(r.kind, None if r.mask is None else next(infos), r.boxes)
        for r in regions
    ]


def prepare_ids(ids, n):
    """`ids` as `n` distinct strings of at most `MAX_ID` characters (None stays None)."""
    if ids is None:
        return None
    if isinstance(ids, (str, bytes)) or not hasattr(ids, "__len__"):
        raise TypeError("ids: expected one text per image, got %s" % type(ids).__name__)
    out = [str(i.item() if isinstance(i, np.generic) else i) for i in ids]
    if len(out) != n:
        raise ValueError("ids: expected one per image (%d), got %d" % (n, len(out)))
    long = [i for i in out if len(i) > MAX_ID]
    if long:
        raise ValueError("ids: expected at most %d characters, got %r" % (MAX_ID, long[0][:40]))
    if len(set(out)) != n:
        twice = sorted({i for i in out if out.count(i) > 1})
        raise ValueError(
            "ids: expected distinct ids, got %s more than once"
            % ", ".join(repr(i) for i in twice[:5])
        )
    return out


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
    if manifest.asset is None and manifest.parts is None:
        return _decoded(manifest, blobs)
    if run_directory is None:
        where = manifest.asset.path if manifest.asset else manifest.parts.directory
        raise ValueError(
            "this saliency summary keeps its images and masks in %s beside the event "
            "files: read it with read_saliency(logdir), or pass run_directory" % where
        )
    if manifest.parts is None:
        return _decoded(manifest, _asset_blobs(manifest, run_directory))
    return _joined_parts(manifest, run_directory)


def _asset_blobs(manifest, run_directory):
    """Blob 0 and the image and mask blobs of a summary whose pixels are in an asset file."""
    data = assets.read(run_directory, manifest.asset)
    return [manifest.to_json()] + assets.split(data, manifest.asset)


def _joined_parts(step, run_directory):
    """The `DecodedSummary` of a step written in parts: its parts' images, in order."""
    location = storage.location(run_directory)
    where = step.parts.directory
    names = parts_lib.newest(location.list_names(where))
    if not names:
        raise assets.MissingAssetError(
            "the images and masks of this step are missing: no part records in %s"
            % location.join(*where.split("/"))
        )
    decoded = []
    for name in names:
        try:
            part = parts_lib.read(location, where, name)
        except FileNotFoundError:  # replaced since the listing: its newer record was listed
            continue
        decoded.append(_decoded(part, _asset_blobs(part, run_directory)))
    parts_lib.check_same_masks([d.manifest for d in decoded], location.join(*where.split("/")))
    sizes = {d.images.shape[1:] for d in decoded}
    if len(sizes) > 1:
        raise ValueError(
            "the parts of this step hold images of different sizes %s: read_saliency "
            "returns a step as one array" % sorted(sizes)
        )
    joined = parts_lib.joined([d.manifest for d in decoded], step.parts.expected)
    first = decoded[0]
    labels = [label for d in decoded for label in (d.labels or [None] * len(d.images))]
    return DecodedSummary(
        manifest=joined,
        images=np.concatenate([d.images for d in decoded]),
        masks={k: np.concatenate([d.masks[k] for d in decoded]) for k in first.masks},
        labels=None if all(label is None for label in labels) else labels,
        method_params=first.method_params,
        scores=_joined_scores([d.scores for d in decoded], [len(d.images) for d in decoded]),
        fields=[row for d in decoded for row in d.fields],
        ids=[s.id for s in joined.samples],
        class_names=None if joined.class_names is None else list(joined.class_names),
        parts=(len(decoded), joined.part.expected),
        regions=[r for d in decoded for r in d.regions],
    )


def _joined_scores(per_part, sizes):
    """Each part's scores `{mask: {name: array}}` one after the other; a number a part
    lacks is NaN; a curve a part lacks, or of another length, leaves the score out."""
    out = {}
    for mask in dict.fromkeys(m for scores in per_part for m in scores):
        for name in dict.fromkeys(n for scores in per_part for n in scores.get(mask, {})):
            arrays_ = [scores.get(mask, {}).get(name) for scores in per_part]
            shapes = {a.shape[1:] for a in arrays_ if a is not None}
            if len(shapes) != 1:
                continue
            (shape,) = shapes
            if shape and any(a is None for a in arrays_):
                continue
            filled = [
                a if a is not None else np.full((size,) + shape, np.nan)
                for a, size in zip(arrays_, sizes)
            ]
            out.setdefault(mask, {})[name] = np.concatenate(filled)
    return out


def _decoded(manifest, blobs):
    """The `DecodedSummary` of one manifest and its blobs (blob 0, then its pixels)."""
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
    ids = parts_lib.image_ids(manifest) if manifest.part else [s.id for s in manifest.samples]
    image_regions = [
        _decoded_region(manifest, i, blobs) if s.region is not None else None
        for i, s in enumerate(manifest.samples)
    ]
    return DecodedSummary(
        manifest,
        images,
        masks,
        labels,
        params,
        mask_scores,
        fields=[dict(s.fields) for s in manifest.samples],
        ids=ids,
        class_names=None if manifest.class_names is None else list(manifest.class_names),
        regions=image_regions,
    )


def _decoded_region(manifest, sample, blobs):
    """The `regions.ImageRegion` of `sample`, its mask read from `blobs`."""
    info = manifest.samples[sample].region
    mask = None
    if info.mask is not None:
        values = decode_mask(blobs[manifest.region_index(sample)], info.mask)
        mask = np.rint(values).astype(np.uint16)
    return region_lib.ImageRegion(info.kind, mask, info.boxes)


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
