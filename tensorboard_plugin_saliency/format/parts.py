"""A step written in parts (format version 5): any number of `add` calls, from one
process or many, with no coordination between them, make one step of one tag.

TensorBoard keeps one record per run, tag and step, so the parts cannot each be a
record. Each part is instead a *part record* beside the event files, a manifest of its
own (its images, masks, fields and scores, and the asset file of its pixels),

    RUN/plugins/saliency/<tag, percent-quoted>/<step>.parts/<key>.<written>.<images>.json

and every writer of the step writes the same small event record, whose manifest says
only where the part records are (`manifest.PartsInfo`). Whichever of those records
TensorBoard keeps, readers list the directory and join what they find:

- parts in the order of their keys, each part's images in their order;
- a key written again replaces its earlier record (the newest `written`, a time in
  nanoseconds, wins; the writer then deletes the older ones): a retried task never
  duplicates its images;
- the file name says how many images the part holds, so a step's size is known from
  the listing alone, and records are never rewritten under one name, so a cache keyed
  by name never holds stale data;
- each record is written whole (a rename on a local disk, one upload on object
  storage) after its asset file, so a reader never meets half a part.
"""

import dataclasses
import itertools
import os
import re
import socket
import threading
import time
import urllib.parse
import zlib

from tensorboard_plugin_saliency.format.manifest import (
    ASSET_DIRECTORY,
    PART_KEY,
    Manifest,
    PartInfo,
    PartsInfo,
    SampleInfo,
    check_asset_path,
)

_MAX_TAG_NAME = 120
_RECORD = re.compile(r"^([A-Za-z0-9_-]{1,64})\.([0-9a-f]{16})\.([0-9]+)\.json$")
_counter = itertools.count()
_counter_lock = threading.Lock()


@dataclasses.dataclass(frozen=True, order=True)
class PartName:
    """What a part record's file name says."""

    key: str
    written: int
    """When it was written, in nanoseconds since the epoch."""
    images: int

    @property
    def file_name(self):
        return "%s.%016x.%d.json" % (self.key, self.written, self.images)


def directory(tag, step):
    """Where the part records of `tag` at `step` live, relative to the run's directory."""
    name = urllib.parse.quote(tag, safe="")[:_MAX_TAG_NAME] or "%2F"
    return "%s/%s/%d.parts" % (ASSET_DIRECTORY, name, step)


def directory_of(record):
    """The parts directory of a part record's path (relative to its run's
    directory), or None when the path is not one a reader may open."""
    where, _, file_name = record.rpartition("/")
    if not (check_asset_path(record) and where.endswith(".parts") and parse_name(file_name)):
        return None
    return where


def parse_name(file_name):
    """The `PartName` of a part record's file name, or None for any other file."""
    match = _RECORD.match(file_name)
    if match is None:
        return None
    return PartName(match.group(1), int(match.group(2), 16), int(match.group(3)))


def newest(file_names):
    """The newest record of each part key among `file_names`, ordered by key (the
    step's order); other files are ignored."""
    best = {}
    for name in filter(None, map(parse_name, file_names)):
        if name.key not in best or name.written > best[name.key].written:
            best[name.key] = name
    return [best[key] for key in sorted(best)]


def check_key(key):
    """`key` checked as a part key (1 to 64 letters, digits, '_' or '-')."""
    if not isinstance(key, str) or not PART_KEY.match(key):
        raise ValueError(
            "part: expected a key of 1 to 64 letters, digits, '_' or '-', got %r" % (key,)
        )
    return key


def check_expected(parts):
    """`parts`, the number of parts a step has, checked (None: not said)."""
    if parts is not None and (isinstance(parts, bool) or not isinstance(parts, int) or parts < 1):
        raise ValueError("parts: expected a positive integer, got %r" % (parts,))
    return parts


def new_key():
    """A key no other writer makes: the time, this host and process, and a counter,
    so that parts without a key of their own sort in the order they were written."""
    with _counter_lock:
        count = next(_counter)
    host = "%08x" % zlib.crc32(("%s:%d" % (socket.gethostname(), os.getpid())).encode())
    return "%016x-%s-%d" % (time.time_ns(), host, count)


def step_manifest(part_manifest, tag, step):
    """The manifest of the event every writer of a part of `tag` at `step` writes:
    where the step's part records are, and how many parts it has if said."""
    expected = part_manifest.part.expected if part_manifest.part else None
    return Manifest(
        masks=part_manifest.masks,
        samples=(),
        channel_reduction=part_manifest.channel_reduction,
        parts=PartsInfo(directory(tag, step), expected),
    )


def write(location, manifest, tag, step):
    """Writes the part record of `manifest` (a manifest with its `part` and its
    `asset`, whose file is already written) below `location` (a `storage` location of
    the run's directory), then deletes the older records of the same key. Returns the
    record's path."""
    where = directory(tag, step)
    name = PartName(manifest.part.key, time.time_ns(), len(manifest.samples))
    path = "%s/%s" % (where, name.file_name)
    location.put_file(path, manifest.to_json())
    for other in map(parse_name, location.list_names(where)):
        if other is not None and other.key == name.key and other.written < name.written:
            _delete_replaced(location, where, other, manifest.asset.path)
    return path


def _delete_replaced(location, where, name, kept_asset):
    """Deletes a replaced part record and its asset file (unless the new record uses
    the same file); a record another writer deleted first is left alone."""
    try:
        replaced = read(location, where, name)
    except (FileNotFoundError, ValueError):
        replaced = None
    location.delete("%s/%s" % (where, name.file_name))
    if replaced is not None and replaced.asset is not None and replaced.asset.path != kept_asset:
        location.delete(replaced.asset.path)


def read(location, where, name):
    """The `Manifest` of part record `name` (a `PartName`) in `where`, checked
    against its name. Raises `FileNotFoundError` and `ValueError` (`ManifestError`)."""
    return parse(location.read("%s/%s" % (where, name.file_name)), name)


def parse(data, name):
    """The `Manifest` of the part record `data` whose file name is `name` (a
    `PartName`), checked against it. Raises `ValueError` (`ManifestError`)."""
    manifest = Manifest.from_json(data)
    if manifest.part is None or manifest.part.key != name.key:
        raise ValueError("part record %s does not hold part %r" % (name.file_name, name.key))
    if len(manifest.samples) != name.images:
        raise ValueError(
            "part record %s holds %d images, its name says %d"
            % (name.file_name, len(manifest.samples), name.images)
        )
    return manifest


def image_ids(manifest):
    """Each image's id in a part: the writer's, or `<part key>:<position>`."""
    key = manifest.part.key if manifest.part else ""
    return [
        s.id if s.id is not None else "%s:%d" % (key, i) for i, s in enumerate(manifest.samples)
    ]


def check_same_masks(parts, where):
    """Raises `ValueError` unless every part has the same masks, naming the first
    part that differs."""
    first = parts[0].mask_names
    for part in parts[1:]:
        if part.mask_names != first:
            raise ValueError(
                "the parts of %s differ in their masks: part %r has %s, part %r has %s"
                % (where, parts[0].part.key, first, part.part.key, part.mask_names)
            )


def joined(parts, expected=None):
    """One manifest of a step's part manifests, in order: their images one after the
    other (ids filled in as `image_ids` says), their numeric scores joined, the first
    class names given, the most parts any writer said the step has (or `expected`).
    Its `asset` is None: each image's pixels stay in its part's asset file (see
    `locate`)."""
    if not parts:
        return Manifest(masks=(), samples=(), parts=None)
    said = [p.part.expected for p in parts if p.part and p.part.expected is not None]
    expected = max(said) if said else expected
    check_same_masks(parts, "this step")
    samples = tuple(
        sample
        if sample.id == image_id
        else SampleInfo(sample.label, sample.image, sample.masks, image_id, sample.fields)
        for part in parts
        for sample, image_id in zip(part.samples, image_ids(part))
    )
    names = parts[0].mask_names
    mask_scores = {}
    for name in names:
        score_names = sorted({s for part in parts for s in part.scores.get(name, {})})
        mask_scores[name] = {
            s: [
                value
                for part in parts
                for value in part.scores.get(name, {}).get(s, [None] * len(part.samples))
            ]
            for s in score_names
        }
    class_names = next((p.class_names for p in parts if p.class_names is not None), None)
    return Manifest(
        masks=parts[0].masks,
        samples=samples,
        channel_reduction=parts[0].channel_reduction,
        version=max(p.version for p in parts),
        scores={k: v for k, v in mask_scores.items() if v},
        class_names=class_names,
        part=PartInfo("joined", expected),
    )
