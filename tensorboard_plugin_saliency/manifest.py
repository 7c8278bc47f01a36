"""The manifest: blob 0 of every saliency summary, as typed values.

A summary is one blob sequence: the manifest (UTF-8 JSON), then one PNG per image,
then the masks of each image in turn (see `docs/format.md`). The manifest says what
the other blobs are: the mask names and their method parameters, and per image its
label, its size and each mask's size and value range; from version 2 on, it may also
hold each mask's scores (`scores`), one value per image. `Manifest.from_json` is the
one parser; everything else reads these dataclasses, never the JSON keys.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from tensorboard_plugin_saliency import metadata, scores

SCORES_VERSION = 2
"""The format version of a manifest that holds scores (version 1 holds none)."""

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
class SampleInfo:
    """One image of the batch: its label, its size, and one `MaskInfo` per mask."""

    label: str | None
    image: ImageInfo
    masks: tuple[MaskInfo, ...]


@dataclasses.dataclass(frozen=True)
class MaskSpec:
    """One method's mask: its name and the method parameters (provenance)."""

    name: str
    params: dict = dataclasses.field(default_factory=dict)


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

    @property
    def mask_names(self) -> list[str]:
        return [mask.name for mask in self.masks]

    @property
    def blob_count(self) -> int:
        """Number of blobs a summary with this manifest holds."""
        return 1 + len(self.samples) * (1 + len(self.masks))

    def image_index(self, sample: int) -> int:
        """Index, in the blob sequence, of the image of `sample`."""
        return 1 + sample

    def mask_index(self, sample: int, mask: int) -> int:
        """Index, in the blob sequence, of mask number `mask` of `sample`."""
        return 1 + len(self.samples) + sample * len(self.masks) + mask

    def to_dict(self) -> dict:
        """The manifest as the JSON object stored in blob 0."""
        record = {
            "version": max(self.version, SCORES_VERSION if self.scores else 1),
            "channel_reduction": self.channel_reduction,
            "masks": [{"name": m.name, "params": m.params} for m in self.masks],
            "samples": [
                {
                    "label": s.label,
                    "image": dataclasses.asdict(s.image),
                    "masks": [dataclasses.asdict(info) for info in s.masks],
                }
                for s in self.samples
            ],
        }
        if self.scores:
            record["scores"] = self.scores
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
            infos = tuple(_sample(s, len(specs)) for s in samples)
            # Version 1 has no scores: it reads as a manifest without any.
            stored = record.get("scores") if record["version"] >= SCORES_VERSION else None
            mask_scores = scores.prepare_scores(stored, [s.name for s in specs], len(infos))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ManifestError("saliency manifest: malformed entry (%s)" % _short(e)) from None
        return cls(
            masks=specs,
            samples=infos,
            channel_reduction=str(record.get("channel_reduction", "sum")),
            version=record["version"],
            scores=mask_scores,
        )


def _sample(record, mask_count):
    if not isinstance(record, dict) or len(record.get("masks", ())) != mask_count:
        raise ValueError("a sample does not list every mask")
    image = record["image"]
    label = record.get("label")
    return SampleInfo(
        label=None if label is None else str(label),
        image=ImageInfo(int(image["width"]), int(image["height"]), image.get("channels")),
        masks=tuple(
            MaskInfo(
                width=int(m["width"]),
                height=int(m["height"]),
                min=float(m["min"]),
                max=float(m["max"]),
                encoding=str(m.get("encoding", MASK_ENCODING)),
            )
            for m in record["masks"]
        ),
    )


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
