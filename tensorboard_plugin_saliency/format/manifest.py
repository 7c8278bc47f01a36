"""The manifest: blob 0 of every saliency summary, as typed values.

A summary is one blob sequence: the manifest (UTF-8 JSON), then one PNG per image,
then the masks of each image in turn (see `docs/format.md`). The manifest says what
the other blobs are: the mask names and their method parameters, and per image its
label, its size and each mask's size and value range; from version 2 on, it may also
hold each mask's scores (`scores`), one value per image; from version 3 on, the
images and masks may live in a file beside the event files (`asset`), and the summary
then holds the manifest alone (version 3 names the file by its SHA-256; version 4 by
its CRC-32C, with the CRC-32C of each blob, so that one blob can be read and checked
alone). From version 5 on, each image may carry an `id` and typed `fields`
(`fields.py`), a manifest may name its `class_names`, and a step may be written in
parts: its event's manifest then holds only `parts` (where the part records are),
and each part record, a file beside the event files, is a manifest of its own with
its `part` key and its images (see `parts.py`). From version 6 on, an image may carry
its ground-truth `region` (`regions.py`): boxes, and a region mask stored as one more
blob after every image's masks. `Manifest.from_json` is the one
parser; everything else reads these dataclasses, never the JSON keys.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np

from tensorboard_plugin_saliency import scores
from tensorboard_plugin_saliency.format import fields as _fields
from tensorboard_plugin_saliency.format import metadata

SCORES_VERSION = 2
"""The format version of a manifest that holds scores (version 1 holds none)."""

FIRST_ASSET_VERSION = 3
"""The first format version whose pixels may live in an asset file (named by its
SHA-256; still read)."""

ASSET_VERSION = 4
"""The format version of a manifest whose pixels live in an asset file named by its
CRC-32C, with a CRC-32C per blob (the one written)."""

FIELDS_VERSION = 5
"""The format version of a manifest with image ids, fields, class names or parts."""

REGIONS_VERSION = 6
"""The format version of a manifest whose images carry regions (ground truth)."""

REGION_KINDS = ("binary", "labels")
"""What a region mask holds: 1 inside the object, or each pixel's class + 1 (0 outside)."""

ASSET_DIRECTORY = "plugins/saliency"
"""Where asset files live, relative to their run's directory (TensorBoard's
convention for files a plugin owns)."""

_ASSET_NAME = re.compile(r"^[A-Za-z0-9._%+-]+$")
_CRC32C = re.compile(r"^[0-9a-f]{8}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

PART_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""A part's key: it names the part's record file."""

MAX_ID = 256
"""The longest image id, in characters."""

MASK_ENCODING = "u16planes+gzip"
"""The mask encoding this package writes: 16-bit values, byte planes, gzip."""


class ManifestError(ValueError):
    """Blob 0 is not a saliency manifest (or not one this package understands)."""


@dataclasses.dataclass(frozen=True)
class ImageInfo:
    """Size of one stored image."""

    width: int
    height: int
    channels: int | None = None


@dataclasses.dataclass(frozen=True)
class MaskInfo:
    """One stored mask: its size, value range and encoding."""

    width: int
    height: int
    min: float
    max: float
    encoding: str = MASK_ENCODING


@dataclasses.dataclass(frozen=True)
class RegionInfo:
    """One image's ground truth (version 6): what its region mask holds, the mask's
    blob (or None), and its boxes."""

    kind: str
    """One of `REGION_KINDS`."""
    mask: MaskInfo | None = None
    """The region mask's size and value range (stored values, see `regions.py`)."""
    boxes: tuple = ()
    """`((x0, y0, x1, y1, class index or None), ...)` in image pixels."""

    def to_dict(self) -> dict:
        record = {"kind": self.kind, "boxes": [list(b) for b in self.boxes]}
        if self.mask is not None:
            record["mask"] = dataclasses.asdict(self.mask)
        return record

    @classmethod
    def from_dict(cls, record) -> RegionInfo:
        kind = record["kind"]
        if kind not in REGION_KINDS:
            raise ValueError("region kind %r is not one of %s" % (kind, ", ".join(REGION_KINDS)))
        boxes = []
        for box in record.get("boxes") or ():
            if not isinstance(box, list) or len(box) != 5:
                raise ValueError("region box: expected [x0, y0, x1, y1, class or null]")
            label = box[4]
            if label is not None and (type(label) is not int or label < 0):
                raise ValueError("region box class: expected an index >= 0 or null")
            boxes.append(tuple(int(v) for v in box[:4]) + (label,))
        mask = record.get("mask")
        return cls(kind, None if mask is None else _mask_info(mask), tuple(boxes))


@dataclasses.dataclass(frozen=True)
class SampleInfo:
    """One image of the batch: its label, its size, one `MaskInfo` per mask, and
    (version 5) its id and typed fields."""

    label: str | None
    image: ImageInfo
    masks: tuple[MaskInfo, ...]
    id: str | None = None
    """The writer's id of the image; None: its part key and position stand for it."""
    fields: dict = dataclasses.field(default_factory=dict)
    """`{name: value}`, typed as `fields.py` says."""
    region: RegionInfo | None = None
    """Its ground truth (version 6), or None."""


@dataclasses.dataclass(frozen=True)
class MaskSpec:
    """One method's mask: its name and the method parameters (provenance)."""

    name: str
    params: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class PartInfo:
    """What a part record says of itself: its key, and how many parts the step has."""

    key: str
    expected: int | None = None


@dataclasses.dataclass(frozen=True)
class PartsInfo:
    """What a step written in parts holds in its event: where its part records are."""

    directory: str
    """Relative to the run's directory, "/"-separated, below `ASSET_DIRECTORY`."""
    expected: int | None = None
    """How many parts the writer said the step has; None when it did not say."""


@dataclasses.dataclass(frozen=True)
class AssetInfo:
    """The file that holds one summary's images and masks, back to back in blob order."""

    path: str
    """Relative to the run's directory, "/"-separated, below `ASSET_DIRECTORY`."""
    digest: str
    """Hex checksum of the whole file, by `checksum`."""
    ends: tuple[int, ...]
    """End offset, in the file, of each image and mask blob, in blob order."""
    checksum: str = "crc32c"
    """The algorithm of `digest`: "crc32c" (version 4) or "sha256" (version 3)."""
    blob_digests: tuple[str, ...] = ()
    """Hex CRC-32C of each blob, in blob order (version 4; empty in version 3)."""
    curves: bool = False
    """Whether a last blob, after the images and masks, holds the scores that are
    curves, as JSON `{mask: {score name: [curve per image]}}` (version 4)."""

    @property
    def curves_index(self) -> int:
        """Index (in `ends`, from 1) of the curves blob."""
        return len(self.ends)

    @property
    def version(self) -> int:
        """The format version that holds this asset entry."""
        return ASSET_VERSION if self.checksum == "crc32c" else FIRST_ASSET_VERSION

    @property
    def size(self) -> int:
        """The file's length in bytes."""
        return self.ends[-1] if self.ends else 0

    def span(self, index: int) -> tuple[int, int]:
        """`(start, end)` in the file of blob `index` (1 = the first image)."""
        return (self.ends[index - 2] if index > 1 else 0), self.ends[index - 1]

    def to_dict(self) -> dict:
        record = {"path": self.path, self.checksum: self.digest, "ends": list(self.ends)}
        if self.blob_digests:
            record["blob_crc32c"] = list(self.blob_digests)
        if self.curves:
            record["curves"] = True
        return record

    @classmethod
    def from_dict(cls, record, blobs: int, version: int) -> AssetInfo:
        """Parses and checks the manifest's `asset` entry for `blobs` image and mask
        blobs, as written in format `version`."""
        path, ends = record["path"], record["ends"]
        curves = version > FIRST_ASSET_VERSION and record.get("curves", False)
        if not isinstance(curves, bool):
            raise ValueError("asset curves: expected true or false, got %r" % (curves,))
        blobs += curves
        if not isinstance(path, str) or not check_asset_path(path):
            raise ValueError("asset path %r is not a file below %s/" % (path, ASSET_DIRECTORY))
        if not isinstance(ends, list) or len(ends) != blobs:
            raise ValueError("asset ends: expected %d offsets" % blobs)
        ends = tuple(int(e) for e in ends)
        if any(b < a for a, b in zip((0,) + ends, ends)):
            raise ValueError("asset ends: offsets must not decrease")
        if version == FIRST_ASSET_VERSION:
            digest = record["sha256"]
            if not isinstance(digest, str) or not _SHA256.match(digest):
                raise ValueError("asset sha256 %r is not 64 hex digits" % (digest,))
            return cls(path, digest, ends, "sha256")
        digest, blob_digests = record["crc32c"], record["blob_crc32c"]
        if not isinstance(digest, str) or not _CRC32C.match(digest):
            raise ValueError("asset crc32c %r is not 8 hex digits" % (digest,))
        if not isinstance(blob_digests, list) or len(blob_digests) != blobs:
            raise ValueError("asset blob_crc32c: expected %d checksums" % blobs)
        if not all(isinstance(d, str) and _CRC32C.match(d) for d in blob_digests):
            raise ValueError("asset blob_crc32c: expected 8 hex digits each")
        return cls(path, digest, ends, "crc32c", tuple(blob_digests), curves)


def check_asset_path(path: str) -> bool:
    """True for a relative "/"-separated path below `ASSET_DIRECTORY`, with no "."
    or ".." parts: the only asset paths a reader opens."""
    parts = path.split("/")
    return (
        path.startswith(ASSET_DIRECTORY + "/")
        and len(parts) > 2
        and all(_ASSET_NAME.match(p) and p not in (".", "..") for p in parts)
    )


@dataclasses.dataclass(frozen=True)
class Manifest:
    """What the blobs of one summary hold, in blob order."""

    masks: tuple[MaskSpec, ...]
    samples: tuple[SampleInfo, ...]
    channel_reduction: str = "sum"
    version: int = 1
    """The format version it was read in; written as the oldest that holds it."""
    scores: dict = dataclasses.field(default_factory=dict)
    """`{mask name: {score name: list}}`: one number or curve per sample."""
    asset: AssetInfo | None = None
    """The file holding the images and masks, or None when the summary holds them."""
    class_names: tuple[str, ...] | None = None
    """The names of the class indices in the images' `true` and `predicted` fields."""
    part: PartInfo | None = None
    """In a part record: its key (and the parts the step has)."""
    parts: PartsInfo | None = None
    """In the event of a step written in parts: where its part records are. The
    manifest then lists no images (`samples` is empty)."""

    @property
    def mask_names(self) -> list[str]:
        return [mask.name for mask in self.masks]

    @property
    def pixel_blob_count(self) -> int:
        """Number of image, mask and region mask blobs (in the summary, or in the
        asset file)."""
        return _pixel_blobs(self.samples, len(self.masks))

    @property
    def has_regions(self) -> bool:
        """Whether it needs version 6: an image carries a region."""
        return any(s.region is not None for s in self.samples)

    @property
    def has_fields(self) -> bool:
        """Whether it needs version 5: image ids, fields, class names or parts."""
        return bool(
            self.class_names is not None
            or self.part is not None
            or self.parts is not None
            or any(s.id is not None or s.fields for s in self.samples)
        )

    @property
    def blob_count(self) -> int:
        """Number of blobs a summary with this manifest holds: the manifest, then its
        images and masks unless they live in an asset file or in parts."""
        if self.asset is not None or self.parts is not None:
            return 1
        return 1 + self.pixel_blob_count

    def image_index(self, sample: int) -> int:
        """Index, in the blob sequence, of the image of `sample`."""
        return 1 + sample

    def mask_index(self, sample: int, mask: int) -> int:
        """Index, in the blob sequence, of mask number `mask` of `sample`."""
        return 1 + len(self.samples) + sample * len(self.masks) + mask

    def region_index(self, sample: int) -> int | None:
        """Index, in the blob sequence, of the region mask of `sample` (None without
        one): region masks follow every image's masks, in image order."""
        if self.samples[sample].region is None or self.samples[sample].region.mask is None:
            return None
        before = sum(
            1 for s in self.samples[:sample] if s.region is not None and s.region.mask is not None
        )
        return 1 + len(self.samples) * (1 + len(self.masks)) + before

    def to_dict(self) -> dict:
        """The manifest as the JSON object stored in blob 0."""
        oldest = self.asset.version if self.asset else SCORES_VERSION if self.scores else 1
        if self.has_fields:
            oldest = FIELDS_VERSION
        if self.has_regions:
            oldest = REGIONS_VERSION
        record = {
            "version": max(self.version, oldest),
            "channel_reduction": self.channel_reduction,
            "masks": [{"name": m.name, "params": m.params} for m in self.masks],
            "samples": [_sample_record(s) for s in self.samples],
        }
        if self.class_names is not None:
            record["class_names"] = list(self.class_names)
        if self.part is not None:
            record["part"] = {"key": self.part.key, "expected": self.part.expected}
        if self.parts is not None:
            record["parts"] = {"directory": self.parts.directory, "expected": self.parts.expected}
        if self.scores:
            record["scores"] = self.scores
        if self.asset is not None:
            record["asset"] = self.asset.to_dict()
        return record

    def to_json(self) -> bytes:
        """Blob 0: the manifest as UTF-8 JSON."""
        return dumps(self.to_dict()).encode("utf-8")

    @classmethod
    def from_json(cls, blob) -> Manifest:
        """Parses blob 0.

        Raises:
          metadata.FormatVersionError: written in a newer format than this package reads.
          ManifestError: anything else that is not a saliency manifest.
        """
        try:
            record = json.loads(bytes(blob).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise ManifestError("saliency manifest is not UTF-8 JSON: %s" % e) from None
        if not isinstance(record, dict) or not isinstance(record.get("version"), int):
            raise ManifestError("saliency manifest has no integer 'version'")
        metadata.check_version(record["version"])
        masks, samples = record.get("masks"), record.get("samples")
        if not isinstance(masks, list) or not isinstance(samples, list):
            raise ManifestError("saliency manifest lacks its 'masks' or 'samples' list")
        try:
            specs = tuple(MaskSpec(str(m["name"]), dict(m.get("params") or {})) for m in masks)
            infos = tuple(_sample(s, len(specs), record["version"]) for s in samples)
            # Version 1 has no scores: it reads as a manifest without any.
            stored = record.get("scores") if record["version"] >= SCORES_VERSION else None
            mask_scores = scores.prepare_scores(stored, [s.name for s in specs], len(infos))
            asset = record.get("asset") if record["version"] >= FIRST_ASSET_VERSION else None
            if asset is not None:
                blobs = _pixel_blobs(infos, len(specs))
                asset = AssetInfo.from_dict(asset, blobs, record["version"])
            later = record if record["version"] >= FIELDS_VERSION else {}
            class_names = later.get("class_names")
            if class_names is not None:
                class_names = tuple(_fields.check_class_names(class_names))
            part = _part(later.get("part"))
            parts = _parts(later.get("parts"))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ManifestError("saliency manifest: malformed entry (%s)" % _short(e)) from None
        return cls(
            masks=specs,
            samples=infos,
            channel_reduction=str(record.get("channel_reduction", "sum")),
            version=record["version"],
            scores=mask_scores,
            asset=asset,
            class_names=class_names,
            part=part,
            parts=parts,
        )


def _sample_record(sample):
    record = {
        "label": sample.label,
        "image": dataclasses.asdict(sample.image),
        "masks": [dataclasses.asdict(info) for info in sample.masks],
    }
    if sample.id is not None:
        record["id"] = sample.id
    if sample.fields:
        record["fields"] = sample.fields
    if sample.region is not None:
        record["region"] = sample.region.to_dict()
    return record


def _pixel_blobs(samples, mask_count):
    """Number of image, mask and region mask blobs of `samples`."""
    regions = sum(1 for s in samples if s.region is not None and s.region.mask is not None)
    return len(samples) * (1 + mask_count) + regions


def _expected(value):
    if value is not None and (type(value) is not int or value < 1):
        raise ValueError("expected parts: a positive integer or null, got %r" % (value,))
    return value


def _part(record):
    if record is None:
        return None
    key = record["key"]
    if not isinstance(key, str) or not PART_KEY.match(key):
        raise ValueError("part key %r is not 1 to 64 letters, digits, '_' or '-'" % (key,))
    return PartInfo(key, _expected(record.get("expected")))


def _parts(record):
    if record is None:
        return None
    directory = record["directory"]
    if not isinstance(directory, str) or not check_asset_path(directory):
        raise ValueError("parts directory %r is not below %s/" % (directory, ASSET_DIRECTORY))
    return PartsInfo(directory, _expected(record.get("expected")))


def _sample(record, mask_count, version):
    if not isinstance(record, dict) or len(record.get("masks", ())) != mask_count:
        raise ValueError("a sample does not list every mask")
    image = record["image"]
    label = record.get("label")
    region = record.get("region") if version >= REGIONS_VERSION else None
    return SampleInfo(
        label=None if label is None else str(label),
        image=ImageInfo(int(image["width"]), int(image["height"]), image.get("channels")),
        masks=tuple(_mask_info(m) for m in record["masks"]),
        id=_image_id(record.get("id")),
        fields=_fields.read_row(record.get("fields")),
        region=None if region is None else RegionInfo.from_dict(region),
    )


def _mask_info(record):
    return MaskInfo(
        width=int(record["width"]),
        height=int(record["height"]),
        min=float(record["min"]),
        max=float(record["max"]),
        encoding=str(record.get("encoding", MASK_ENCODING)),
    )


def _image_id(value):
    if value is not None and (not isinstance(value, str) or len(value) > MAX_ID):
        raise ValueError("image id: expected text of at most %d characters" % MAX_ID)
    return value


def _short(error):
    return (str(error) or type(error).__name__).splitlines()[0][:200]


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError("%r is not JSON serialisable" % (value,))


def dumps(value) -> str:
    """`value` as strict JSON (no NaN), NumPy scalars and arrays as plain numbers."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_json_default)
