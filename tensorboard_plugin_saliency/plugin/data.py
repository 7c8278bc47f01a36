"""What the routes answer, in data words: tags, kept steps, one sample, an overlay.

`SaliencyData` sits on a `BlobReader` (any `DataProvider`); the HTTP plugin and the
`tensorboard-saliency render` command both go through it, so they pick the same
step, sample and mask and draw the same PNG for the same arguments.
"""

import dataclasses
import gzip
import json
import urllib.parse

from tensorboard import plugin_util

from tensorboard_plugin_saliency import scores
from tensorboard_plugin_saliency.format import codec
from tensorboard_plugin_saliency.format import fields as field_lib
from tensorboard_plugin_saliency.format.manifest import Manifest
from tensorboard_plugin_saliency.plugin.blobs import (
    PART_PREFIX,
    BlobReader,
    StepParts,
    asset_key,
    check_plugin_data,
    short,
)
from tensorboard_plugin_saliency.plugin.errors import (
    InvalidArgumentError,
    NotFoundError,
    UnreadableError,
)
from tensorboard_plugin_saliency.plugin.lru import LRU

# Steps kept per saliency tag unless `--samples_per_plugin=saliency=N` says otherwise:
# 0, every step. Both backends keep every kept step in memory; a step written by
# `SaliencyWriter` or the callbacks (format 4) is its manifest alone, about 100 bytes
# per image and mask (its pixels live in an asset file read on demand), so every
# step of a long run fits. Summaries that hold their pixels (the TF op inside
# `tf.function`, or logs of plugin versions before 3: about 1.1 MB for 3 RGB
# 224x224 images with 3 masks) cost that much per kept step: cap them with
# `--samples_per_plugin=saliency=50`.
DEFAULT_SAMPLES_PER_TAG = 0

_STEPS_CACHE_SIZE = 256


@dataclasses.dataclass(frozen=True)
class Selection:
    """One sample of one step of a run and tag, with its manifest."""

    run: str
    tag: str
    datum: object  # provider_lib.BlobSequenceDatum
    manifest: Manifest
    """The step's manifest (of a step in parts: its event's, which lists no images)."""
    sample: int
    count: int
    """The step's number of images."""
    parts: StepParts | None = None
    """The step's parts, when it was written in parts."""
    part: tuple | None = None
    """Of a step in parts: `(record path, its Manifest, image number in it)` of `sample`."""

    @property
    def step(self):
        return self.datum.step

    def mask_number(self, name):
        """Index of the mask called `name` (the first one when `name` is None)."""
        names = self.manifest.mask_names
        if not names:
            raise NotFoundError(
                "run %r, tag %r, step %d holds no masks" % (self.run, self.tag, self.step)
            )
        if name in (None, ""):
            return 0
        if name not in names:
            raise NotFoundError(
                "unknown mask %r at run %r, tag %r, step %d; masks: %s"
                % (name, self.run, self.tag, self.step, ", ".join(names))
            )
        return names.index(name)

    def source(self):
        """`(manifest key, manifest, image number)` that hold this sample's pixels: its
        part's record, manifest and place in it for a step in parts, else the step's."""
        if self.part is not None:
            record, manifest, local = self.part
            return PART_PREFIX + record, manifest, local
        return self.datum.values[0].blob_key, self.manifest, self.sample

    def info(self):
        """The `SampleInfo` of `sample`: its label, sizes and fields."""
        _, manifest, sample = self.source()
        return manifest.samples[sample]

    def _key(self, index):
        key, manifest, _ = self.source()
        if manifest.asset is not None:
            return asset_key(self.run, key, index)
        return self.datum.values[index].blob_key

    def image_key(self):
        _, manifest, sample = self.source()
        return self._key(manifest.image_index(sample))

    def mask_key(self, number):
        _, manifest, sample = self.source()
        return self._key(manifest.mask_index(sample, number))

    def region_key(self):
        """The key of this sample's region mask (None without one)."""
        _, manifest, sample = self.source()
        index = manifest.region_index(sample)
        return None if index is None else self._key(index)


class SaliencyData:
    """Reads saliency summaries through a TensorBoard `DataProvider`. Thread-safe.

    The step listing of a tag is cached until the tag's latest step, wall time or
    length changes.
    """

    def __init__(self, data_provider, downsample=DEFAULT_SAMPLES_PER_TAG, run_directory=None):
        """`run_directory(run)`: where a run's asset files are (see `BlobReader`)."""
        self.reader = BlobReader(data_provider, downsample, run_directory)
        self._steps = LRU(_STEPS_CACHE_SIZE)

    def read_blob(self, ctx, key):
        """Bytes of the blob `key` (see `BlobReader.read_blob`)."""
        return self.reader.read_blob(ctx, key)

    def tags(self, ctx, experiment_id):
        """`{run: {tag: {displayName, description, samples, masks}}}`."""
        wanted = []
        for run, tags in self.reader.listing(ctx, experiment_id).items():
            for tag, series in tags.items():
                try:
                    check_plugin_data(series, run, tag, self.reader)
                except UnreadableError:
                    continue
                wanted.append((run, tag, series))
        if not wanted:
            return {}
        latest = self.reader.datums(
            ctx,
            experiment_id,
            sorted({run for run, _, _ in wanted}),
            sorted({tag for _, tag, _ in wanted}),
            latest_only=True,
        )
        self.reader.read_manifests(  # side by side: one read per run and tag
            ctx,
            [
                datums[-1].values[0].blob_key
                for by_tag in latest.values()
                for datums in by_tag.values()
                if datums and datums[-1].values
            ],
        )
        result = {}
        for run, tag, series in wanted:
            manifest = self._latest_readable(ctx, experiment_id, run, tag, latest)
            entry = {
                "displayName": series.display_name or tag,
                "description": plugin_util.markdown_to_safe_html(series.description or ""),
                "samples": self.reader.sample_count(run, manifest) if manifest else 0,
                "masks": manifest.mask_names if manifest else [],
            }
            if manifest is None:
                entry["error"] = unreadable_message(run, tag)
            result.setdefault(run, {})[tag] = entry
        return result

    def _latest_readable(self, ctx, experiment_id, run, tag, latest):
        """The manifest of the latest readable step of `run`/`tag`, or None."""
        datums = latest.get(run, {}).get(tag, [])[-1:]
        if not datums:
            return None
        _, manifest = self.reader.latest_manifest(ctx, run, tag, datums)
        if manifest is None:  # the latest step is unreadable: look further back
            try:
                datums = self.reader.kept_steps(ctx, experiment_id, run, tag)
            except NotFoundError:
                return None
            _, manifest = self.reader.latest_manifest(ctx, run, tag, datums)
        return manifest

    def steps(self, ctx, experiment_id, run, tag):
        """`[{step, wall_time, samples}]` of the kept readable steps, oldest first."""
        return self._cached_steps(ctx, experiment_id, run, tag)[0]

    def steps_gzip(self, ctx, experiment_id, run, tag):
        """`steps(...)` as gzip-compressed JSON bytes, cached with the listing."""
        return self._cached_steps(ctx, experiment_id, run, tag)[1]

    def _cached_steps(self, ctx, experiment_id, run, tag):
        """`(steps list, gzip JSON bytes)`, recomputed when the tag's series changes."""
        series = self.reader.series(ctx, experiment_id, run, tag)
        fingerprint = (series.max_step, series.max_wall_time, series.max_length)
        cached = self._steps.get((experiment_id, run, tag))
        if cached is not None and cached[0] == fingerprint:
            return cached[1], cached[2]
        result = self._list_steps(ctx, experiment_id, run, tag)
        payload = gzip.compress(json.dumps(result).encode("utf-8"), compresslevel=6, mtime=0)
        self._steps.put((experiment_id, run, tag), (fingerprint, result, payload))
        return result, payload

    def _list_steps(self, ctx, experiment_id, run, tag):
        """The sample count of a step comes from its blob count and the mask count of
        the latest manifest; a step whose blob count does not fit is read. Steps known
        to be unreadable (a newer format) are left out."""
        datums = self.reader.kept_steps(ctx, experiment_id, run, tag)
        last, latest = self.reader.latest_manifest(ctx, run, tag, datums)
        if latest is None:
            return []
        per_sample = 1 + len(latest.masks)
        kept = datums[: last + 1]
        # A format-3 step holds its manifest alone: its batch size is in the manifest.
        manifests = self.reader.read_manifests(
            ctx, [d.values[0].blob_key for d in kept if len(d.values) == 1]
        )
        result = []
        for datum in kept:
            known = manifests.get(datum.values[0].blob_key) if datum.values else None
            samples = self._sample_count(ctx, run, tag, datum, per_sample, known)
            if samples is not None:
                result.append(
                    {"step": datum.step, "wall_time": datum.wall_time, "samples": samples}
                )
        return result

    def _sample_count(self, ctx, run, tag, datum, per_sample, known=None):
        """Images in the batch of `datum`, without reading it when its blob count tells
        (or `known`, its manifest or the error reading it, does); None for an
        unreadable step."""
        count = len(datum.values)
        if known is None and count:
            known = self.reader.known_manifest(datum.values[0].blob_key)
        if isinstance(known, Manifest) and known.parts is not None:
            try:
                return self.reader.step_parts(run, known).count
            except (UnreadableError, NotFoundError):
                return None
        if isinstance(known, Manifest):
            return len(known.samples) if known.blob_count == count else None
        if isinstance(known, Exception):
            return None
        if count > 1 and (count - 1) % per_sample == 0:
            return (count - 1) // per_sample
        try:
            return self.reader.sample_count(run, self.reader.datum_manifest(ctx, run, tag, datum))
        except (UnreadableError, NotFoundError):
            return None

    def select(self, ctx, experiment_id, run, tag, step=None, sample=0):
        """The `Selection` of `sample` at `step` (the latest readable step when None)."""
        self.reader.series(ctx, experiment_id, run, tag)
        datums = self.reader.kept_steps(ctx, experiment_id, run, tag)
        if step is None:
            last, manifest = self.reader.latest_manifest(ctx, run, tag, datums)
            if manifest is None:  # say why the latest step cannot be read
                self.reader.datum_manifest(ctx, run, tag, datums[-1])
            datum = datums[last]
        else:
            datum = next((d for d in datums if d.step == step), None)
            if datum is None:
                raise NotFoundError(
                    "no step %d for run %r, tag %r (kept steps: %s)"
                    % (step, run, tag, _steps_text(datums))
                )
            manifest = self.reader.datum_manifest(ctx, run, tag, datum)
        count = self.reader.sample_count(run, manifest)
        if sample >= count:
            raise NotFoundError(
                "no sample %d at run %r, tag %r, step %d: it holds %d"
                % (sample, run, tag, datum.step, count)
            )
        return self._selection(run, tag, datum, manifest, sample)

    def _selection(self, run, tag, datum, manifest, sample):
        """The `Selection` of `sample` of a step, its part read when it is in parts."""
        if manifest.parts is None:
            return Selection(run, tag, datum, manifest, sample, len(manifest.samples))
        found = self.reader.step_parts(run, manifest)
        number, local = found.locate(sample)
        record, part = self.reader.part(run, found, number)
        if part.mask_names != manifest.mask_names:
            raise UnreadableError(
                "run %r, tag %r, step %d: part %r has masks %s, the step %s"
                % (run, tag, datum.step, part.part.key, part.mask_names, manifest.mask_names)
            )
        return Selection(
            run, tag, datum, manifest, sample, found.count, found, (record, part, local)
        )

    def check_pixels(self, ctx, selection):
        """Reads and checks the image and masks of `selection` from its step's asset
        file (kept in the blob cache for the requests that follow); raises
        `NotFoundError` if the file is missing and `UnreadableError` if they are
        damaged. Nothing to do for a step that holds them."""
        key, manifest, sample = selection.source()
        if manifest.asset is not None:
            self.reader.check_asset(selection.run, key, manifest, sample)

    def scores_of(self, selection, curves=True):
        """`(this image's scores, the step's means or None)` of `selection`, with its
        curves when `curves` (read from its asset file, and checked, when they live
        there). A step in several parts answers from this image's part alone, so its
        means are None: they are those of the `/table` answer's score columns."""
        key, manifest, sample = selection.source()
        own = manifest.scores
        if not curves:
            own = scores.numbers_only(own)
        elif manifest.asset is not None and manifest.asset.curves:
            own = self.reader.asset_scores(selection.run, key, manifest)
        whole = len(manifest.samples) == selection.count
        means = scores.means(own) if whole else None
        return scores.of_sample(own, sample), means

    def select_every_step(self, ctx, experiment_id, run, tag, sample=0):
        """The `Selection` of `sample` at every kept readable step, oldest first; at a
        step whose batch is smaller, its last image."""
        steps = self.steps(ctx, experiment_id, run, tag)
        datums = {d.step: d for d in self.reader.kept_steps(ctx, experiment_id, run, tag)}
        wanted = [datums[e["step"]] for e in steps if e["step"] in datums]
        self.reader.read_manifests(ctx, [d.values[0].blob_key for d in wanted])
        out = []
        for entry in steps:
            datum = datums.get(entry["step"])
            if datum is None:  # the series moved on since the listing: left out
                continue
            manifest = self.reader.datum_manifest(ctx, run, tag, datum)
            count = self.reader.sample_count(run, manifest)
            out.append(self._selection(run, tag, datum, manifest, min(sample, count - 1)))
        return out

    def table(self, ctx, experiment_id, run, tag, step=None):
        """The `/table` answer of `step` (the latest readable one when None): its
        per-image table as columns (see `http_api.md`)."""
        selection = self.select(ctx, experiment_id, run, tag, step, 0)
        if selection.parts is None:
            return table_json(selection, selection.manifest, 1)
        joined = self.reader.joined(run, selection.parts)
        return table_json(selection, joined, len(selection.parts.names))

    def overlay_png(
        self, ctx, experiment_id, run, tag, step=None, sample=0, mask=None, options=None
    ):
        """PNG bytes of `mask` drawn over its image (`render.png_bytes`), with the
        `RenderOptions` `options`."""
        from tensorboard_plugin_saliency import render

        selection = self.select(ctx, experiment_id, run, tag, step, sample)
        number = selection.mask_number(mask)
        info = selection.info().masks[number]
        try:
            image = codec.decode_png(self.read_blob(ctx, selection.image_key()))
            values = codec.decode_mask(self.read_blob(ctx, selection.mask_key(number)), info)
            values = codec.snap_zero(values, info)  # as the page does
        except (ValueError, OSError) as e:
            raise UnreadableError(
                "malformed saliency data at run %r, tag %r, step %d: %s"
                % (run, tag, selection.step, short(e))
            ) from None
        try:
            return render.png_bytes(image, values, **(options.kwargs() if options else {}))
        except ValueError as e:  # an option the renderer refuses
            raise InvalidArgumentError(str(e)) from None


def sample_json(selection, image_scores, batch_scores, url_prefix="blob?key="):
    """The `/sample` answer for `selection`: its label, URLs and value ranges of its
    image and masks, its scores (`image_scores`) and the step's means of them
    (`batch_scores`; None for a step in several parts)."""
    info = selection.info()

    def url(key):
        return url_prefix + urllib.parse.quote(key, safe="")

    masks = [
        {
            "name": spec.name,
            "url": url(selection.mask_key(j)),
            "width": stored.width,
            "height": stored.height,
            "min": stored.min,
            "max": stored.max,
            "encoding": stored.encoding,
            "params": spec.params,
        }
        for j, (spec, stored) in enumerate(zip(selection.manifest.masks, info.masks))
    ]
    return {
        "run": selection.run,
        "tag": selection.tag,
        "step": selection.datum.step,
        "wall_time": selection.datum.wall_time,
        "sample": selection.sample,
        "samples": selection.count,
        "label": info.label,
        "image": {
            "url": url(selection.image_key()),
            "width": info.image.width,
            "height": info.image.height,
            "channels": info.image.channels,
        },
        "masks": masks,
        "scores": image_scores,
        "batch_scores": batch_scores,
        "region": _region_json(info, selection.region_key(), url),
    }


def _region_json(info, key, url):
    """The `region` entry of a `/sample` answer: the image's ground truth, or None."""
    region = info.region
    if region is None:
        return None
    mask = None
    if region.mask is not None:
        mask = {
            "url": url(key),
            "width": region.mask.width,
            "height": region.mask.height,
            "min": region.mask.min,
            "max": region.mask.max,
            "encoding": region.mask.encoding,
        }
    explained = info.fields.get("true", info.fields.get("predicted"))
    return {
        "kind": region.kind,
        "mask": mask,
        "boxes": [{"box": list(b[:4]), "label": b[4]} for b in region.boxes],
        "class": explained,
    }


def table_json(selection, manifest, found):
    """The `/table` answer of `selection`'s step, whose images `manifest` lists (of a
    step in parts, its parts joined; `found` of them): ids, captions, typed fields and
    numeric scores, one entry per image."""
    samples = manifest.samples
    rows = [s.fields for s in samples]
    kinds = field_lib.table_fields(rows)
    if manifest.parts is not None:
        ids = [s.id for s in samples]  # filled in by the join
        expected = manifest.parts.expected
    else:
        ids = [s.id if s.id is not None else "%d" % i for i, s in enumerate(samples)]
        expected = None
    columns = {"id": ids, "label": [s.label for s in samples]}
    for kind in kinds:
        name = kind["name"]
        vector = kind["type"] == "vector"
        columns[name] = [None if vector else row.get(name) for row in rows]
    numbers = scores.numbers_only(manifest.scores)
    return {
        "run": selection.run,
        "tag": selection.tag,
        "step": selection.datum.step,
        "samples": len(samples),
        "parts": {"found": found, "expected": expected},
        "masks": manifest.mask_names,
        "class_names": None if manifest.class_names is None else list(manifest.class_names),
        "fields": kinds,
        "columns": columns,
        "scores": numbers,
    }


def unreadable_message(run, tag):
    """Why a tag the backend lists shows no data, and what to do about it."""
    if '"' in run + tag:
        return (
            "TensorBoard's fast data loader (RustBoard) lists this tag but cannot read its "
            "data back: it fails on run and tag names that hold a double quote. Start "
            "TensorBoard with --load_fast=false to see it, or rename the run or tag."
        )
    return (
        "TensorBoard lists this tag but none of its kept steps can be read "
        "(TensorBoard's log says why for each step)."
    )


def _steps_text(datums):
    steps = [d.step for d in datums]
    if len(steps) > 8:
        return "%s ... %s" % (", ".join(map(str, steps[:4])), ", ".join(map(str, steps[-2:])))
    return ", ".join(map(str, steps))
