"""The TensorBoard loader and plugin: the "Saliency" tab and its HTTP API.

Every route lives under `/data/plugin/saliency/` and is documented in `http_api.md`
beside this file. Data is read only through `context.data_provider`, so the plugin
behaves the same under the Python multiplexer (`--load_fast=false`) and RustBoard
(`--load_fast=true`).

`SaliencyData` holds the reading logic ("which step, which sample, which mask") on
top of any `DataProvider`; the HTTP plugin and the `tensorboard-saliency render`
command both go through it, so they produce the same PNG for the same arguments.
"""

import collections
import gzip
import json
import logging
import math
import os
import re
import threading
import urllib.parse

from werkzeug import wrappers

from tensorboard import context as tb_context
from tensorboard import errors as tb_errors
from tensorboard import plugin_util
from tensorboard.backend import http_util
from tensorboard.data import provider as provider_lib
from tensorboard.plugins import base_plugin

from tensorboard_plugin_saliency import encoding, metadata

logger = logging.getLogger(__name__)

PLUGIN_NAME = metadata.PLUGIN_NAME

# Steps kept per saliency tag unless `--samples_per_plugin=saliency=N` says otherwise.
#
# One step of a typical run (a batch of 3 RGB 224x224 images with 3 masks each) takes
# about 1.1 MB: 3 PNGs of ~125 KB and 9 masks of ~85 KB (16-bit values, gzip). Both
# backends keep every kept step in memory, so 50 steps cost ~55 MB per tag and run,
# and ten run/tag pairs stay near half a gigabyte; TensorBoard's 10 (its default for
# unknown plugins, and the images plugin's) is too few to scrub through training.
# Both backends always keep the latest step and sample the rest uniformly.
DEFAULT_SAMPLES_PER_TAG = 50

# `downsample` passed to the data provider when the hint is 0 ("keep all"): the
# provider API reads `downsample=0` as "return nothing".
_ALL_STEPS = 1_000_000_000

_MANIFEST_CACHE_SIZE = 1024
_STEPS_CACHE_SIZE = 256
_BLOB_CACHE_BYTES = 32 * 1024 * 1024
_BLOB_CACHE_ITEM_BYTES = 4 * 1024 * 1024

# Browsers may keep a blob this long: a blob key names one stored value.
BLOB_MAX_AGE_S = 86400

STATIC_CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain",
    ".md": "text/markdown",
}

_ROUTE_PREFIX = "/data/plugin/%s" % PLUGIN_NAME
_STATIC_PREFIX = _ROUTE_PREFIX + "/static/"
_INT_RE = re.compile(r"^[0-9]+$")


# ---------------------------------------------------------------------------
# Errors that become HTTP answers (and CLI messages).


class QueryError(Exception):
    """A request that cannot be answered; `code` is the HTTP status."""

    code = 400


class BadRequest(QueryError):
    """Missing or malformed parameter (400)."""

    code = 400


class NotFound(QueryError):
    """Unknown run, tag, step, sample, mask, key or file (404)."""

    code = 404


class Unreadable(QueryError):
    """The data exists but this plugin cannot read it, e.g. a newer format (422)."""

    code = 422


# ---------------------------------------------------------------------------
# Parameter parsing, shared by the HTTP routes and the command line.


def parse_index(value, name, default=None):
    """A non-negative integer parameter; `default` if `value` is None or empty."""
    if value is None or value == "":
        if default is None:
            raise BadRequest("missing parameter %r" % name)
        return default
    text = str(value).strip()
    if text.startswith("-") and _INT_RE.match(text[1:]):
        raise BadRequest("%s: expected a non-negative integer, got %s" % (name, text))
    if not _INT_RE.match(text):
        raise BadRequest("%s: expected a non-negative integer, got %r" % (name, value))
    if len(text.lstrip("0")) > 19:  # past int64 (int() even refuses 4300+ digits)
        raise NotFound("%s: no %s %s... (%d digits): steps and samples are 64-bit integers"
                       % (name, name, text[:20], len(text)))
    return int(text)


def _parse_float(value, name):
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise BadRequest("%s: expected a number, got %r" % (name, value)) from None
    if not math.isfinite(result):
        raise BadRequest("%s: expected a finite number, got %r" % (name, value))
    return result


def render_options(colormap=None, opacity=None, clip=None, sign=None, threshold=None):
    """Validated keyword arguments for `render.render_overlay`.

    Each argument is a string (from a URL or a command line), a number, or None for
    the renderer's default. Raises `BadRequest` naming the parameter.
    """
    from tensorboard_plugin_saliency import render

    options = {}
    if colormap not in (None, ""):
        if colormap not in render.COLORMAPS:
            raise BadRequest("colormap: expected one of %s, got %r"
                             % (", ".join(sorted(render.COLORMAPS)), colormap))
        options["colormap"] = colormap
    if opacity not in (None, ""):
        value = _parse_float(opacity, "opacity")
        if not 0.0 <= value <= 1.0:
            raise BadRequest("opacity: expected a number in [0, 1], got %r" % (opacity,))
        options["opacity"] = value
    if clip not in (None, ""):
        value = _parse_float(clip, "clip")
        if not 0.0 < value <= 100.0:
            raise BadRequest("clip: expected a percentile in (0, 100], got %r" % (clip,))
        options["clip"] = value
    if sign not in (None, ""):
        if sign not in render.SIGNS:
            raise BadRequest("sign: expected one of %s, got %r"
                             % (", ".join(render.SIGNS), sign))
        options["sign"] = sign
    if threshold not in (None, ""):
        value = _parse_float(threshold, "threshold")
        if not 0.0 < value <= 100.0:
            raise BadRequest("threshold: expected a percentage in (0, 100], got %r"
                             % (threshold,))
        options["threshold"] = value
    return options


# ---------------------------------------------------------------------------
# Reading through a data provider.


class _BlobCache:
    """Recently read blobs by key, bounded in bytes (blob keys name immutable data).

    The Python backend's `read_blob` decodes the whole tensor of a step to return
    one blob, so a page fetching every image and mask of a step would decode that
    step once per blob; this keeps those reads to one each.
    """

    def __init__(self, max_bytes, max_item_bytes):
        self._max_bytes = max_bytes
        self._max_item_bytes = max_item_bytes
        self._bytes = 0
        self._items = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key, data):
        if len(data) > self._max_item_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[key] = data
            self._bytes += len(data)
            while self._bytes > self._max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)


class _LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size):
        self._size = size
        self._items = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            try:
                self._items.move_to_end(key)
            except KeyError:
                return default
            return self._items[key]

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __contains__(self, key):
        with self._lock:
            return key in self._items


_NOT_FOUND_ERRORS = (
    tb_errors.NotFoundError,
    tb_errors.InvalidArgumentError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
)


class Selection:
    """One sample of one step of a run and tag, with its manifest."""

    def __init__(self, run, tag, datum, manifest, sample):
        self.run = run
        self.tag = tag
        self.datum = datum
        self.manifest = manifest
        self.sample = sample

    @property
    def step(self):
        return self.datum.step

    def mask_number(self, name):
        """Index of the mask called `name` (the first one when `name` is None)."""
        names = [m["name"] for m in self.manifest["masks"]]
        if not names:
            raise NotFound("run %r, tag %r, step %d holds no masks"
                           % (self.run, self.tag, self.step))
        if name in (None, ""):
            return 0
        if name not in names:
            raise NotFound("unknown mask %r at run %r, tag %r, step %d; masks: %s"
                           % (name, self.run, self.tag, self.step, ", ".join(names)))
        return names.index(name)

    def image_key(self):
        return self.datum.values[encoding.image_index(self.manifest, self.sample)].blob_key

    def mask_key(self, number):
        index = encoding.mask_index(self.manifest, self.sample, number)
        return self.datum.values[index].blob_key


class SaliencyData:
    """Reads saliency summaries through a TensorBoard `DataProvider`.

    Thread-safe. Manifests are cached by blob key (keys name immutable values), and
    the step listing of a tag is cached until the tag's latest step, wall time or
    length changes.
    """

    def __init__(self, data_provider, downsample=DEFAULT_SAMPLES_PER_TAG):
        self._provider = data_provider
        self._downsample = downsample if downsample and downsample > 0 else _ALL_STEPS
        self._manifests = _LRU(_MANIFEST_CACHE_SIZE)
        self._steps = _LRU(_STEPS_CACHE_SIZE)
        self._blobs = _BlobCache(_BLOB_CACHE_BYTES, _BLOB_CACHE_ITEM_BYTES)
        self._warned = False
        self._warn_lock = threading.Lock()
        self._malformed_warned = _LRU(_MANIFEST_CACHE_SIZE)

    # -- low level ---------------------------------------------------------

    def read_blob(self, ctx, key):
        """Bytes of the blob `key`; `NotFound` for a key the provider does not know."""
        data = self._blobs.get(key)
        if data is not None:
            return data
        try:
            data = self._provider.read_blob(ctx, blob_key=key)
            self._blobs.put(key, data)
            return data
        except _NOT_FOUND_ERRORS as e:
            logger.debug("read_blob(%r): %s", key, _short(e))
            raise NotFound("no blob with key %r" % (key,)) from None
        except Exception as e:  # grpc.RpcError and other provider failures
            if _is_grpc_not_found(e):
                raise NotFound("no blob with key %r" % (key,)) from None
            raise

    def _warn_version(self, run, tag, step, error):
        with self._warn_lock:
            if self._warned:
                return
            self._warned = True
        logger.warning("Some saliency data is too new for this plugin and is left out "
                       "(run %r, tag %r, step %s): %s", run, tag, step, error)

    def manifest(self, ctx, key):
        """The parsed manifest in blob `key`.

        Raises `Unreadable` for a newer format or a malformed manifest, `NotFound`
        for an unknown key.
        """
        cached = self._manifests.get(key)
        if cached is None:
            try:
                cached = encoding.parse_manifest(self.read_blob(ctx, key))
            except metadata.FormatVersionError as e:
                cached = e
            except ValueError as e:
                cached = ValueError(str(e))
            self._manifests.put(key, cached)
        if isinstance(cached, metadata.FormatVersionError):
            raise Unreadable("this step needs a newer tensorboard-plugin-saliency: %s"
                             % cached)
        if isinstance(cached, Exception):
            raise Unreadable("malformed saliency data: %s" % cached)
        return cached

    def _datum_manifest(self, ctx, run, tag, datum):
        """The manifest of `datum`, checked against its blob count."""
        if not datum.values:
            raise Unreadable("run %r, tag %r, step %d holds no blobs" % (run, tag, datum.step))
        try:
            manifest = self.manifest(ctx, datum.values[0].blob_key)
        except Unreadable as e:
            if "newer" in str(e):
                self._warn_version(run, tag, datum.step, e)
            else:
                self._warn_malformed(run, tag, datum.step, e)
            raise
        if encoding.blob_count(manifest) != len(datum.values):
            error = Unreadable("run %r, tag %r, step %d holds %d blobs, its manifest "
                               "expects %d" % (run, tag, datum.step, len(datum.values),
                                               encoding.blob_count(manifest)))
            self._warn_malformed(run, tag, datum.step, error)
            raise error
        return manifest

    def _warn_malformed(self, run, tag, step, error):
        """Logs once per step that a malformed step is skipped, and why."""
        key = (run, tag, step)
        if key in self._malformed_warned:
            return
        self._malformed_warned.put(key, True)
        logger.warning("Skipping malformed saliency data at run %r, tag %r, step %s: %s",
                       run, tag, step, error)

    def datums(self, ctx, experiment_id, run, tag):
        """The kept `BlobSequenceDatum`s of `run`/`tag`, oldest first."""
        if not run:
            raise BadRequest("missing parameter 'run'")
        if not tag:
            raise BadRequest("missing parameter 'tag'")
        try:
            data = self._provider.read_blob_sequences(
                ctx, experiment_id=experiment_id, plugin_name=PLUGIN_NAME,
                downsample=self._downsample,
                run_tag_filter=provider_lib.RunTagFilter(runs=[run], tags=[tag]),
            )
        except tb_errors.NotFoundError:
            data = {}
        datums = data.get(run, {}).get(tag)
        if not datums:
            raise NotFound("no saliency data for run %r, tag %r" % (run, tag))
        return sorted(datums, key=lambda d: d.step)

    def _latest_manifest(self, ctx, run, tag, datums):
        """`(index, manifest)` of the latest readable step, or `(None, None)`."""
        for i in range(len(datums) - 1, -1, -1):
            try:
                return i, self._datum_manifest(ctx, run, tag, datums[i])
            except Unreadable:
                continue
            except NotFound as e:  # the backend lists a blob it cannot read back
                self._warn_malformed(run, tag, datums[i].step, e)
                continue
        return None, None

    # -- listings ----------------------------------------------------------

    def tags(self, ctx, experiment_id):
        """`{run: {tag: {displayName, description, samples, masks}}}`."""
        listing = self._provider.list_blob_sequences(
            ctx, experiment_id=experiment_id, plugin_name=PLUGIN_NAME)
        result = {}
        wanted = []
        for run, tags in listing.items():
            for tag, series in tags.items():
                try:
                    metadata.parse_plugin_data(series.plugin_content)
                except metadata.FormatVersionError as e:
                    self._warn_version(run, tag, "any", e)
                    continue
                except ValueError:
                    continue
                wanted.append((run, tag, series))
        latest = self._latest_datums(ctx, experiment_id, wanted)
        for run, tag, series in wanted:
            datums = latest.get((run, tag))
            if not datums:
                continue
            _, manifest = self._latest_manifest(ctx, run, tag, datums)
            if manifest is None:  # the latest step is unreadable: look further back
                try:
                    datums = self.datums(ctx, experiment_id, run, tag)
                except QueryError:
                    continue
                _, manifest = self._latest_manifest(ctx, run, tag, datums)
            if manifest is None:
                continue
            result.setdefault(run, {})[tag] = {
                "displayName": series.display_name or tag,
                "description": plugin_util.markdown_to_safe_html(series.description or ""),
                "samples": len(manifest["samples"]),
                "masks": [m["name"] for m in manifest["masks"]],
            }
        return result

    def _latest_datums(self, ctx, experiment_id, wanted):
        """`{(run, tag): [latest datum]}`, read in one provider call."""
        if not wanted:
            return {}
        runs = sorted({run for run, _, _ in wanted})
        tags = sorted({tag for _, tag, _ in wanted})
        data = self._provider.read_blob_sequences(
            ctx, experiment_id=experiment_id, plugin_name=PLUGIN_NAME, downsample=1,
            run_tag_filter=provider_lib.RunTagFilter(runs=runs, tags=tags),
        )
        result = {}
        for run, tag, _ in wanted:
            datums = data.get(run, {}).get(tag)
            if datums:
                result[(run, tag)] = sorted(datums, key=lambda d: d.step)[-1:]
        return result

    def steps(self, ctx, experiment_id, run, tag):
        """`[{step, wall_time, samples}]` of the kept steps, oldest first.

        The sample count of a step comes from its blob count and the mask count of
        the latest manifest; a step whose blob count does not fit is read. Steps
        known to be unreadable (a newer format) are left out.
        """
        return self._cached_steps(ctx, experiment_id, run, tag)[0]

    def steps_gzip(self, ctx, experiment_id, run, tag):
        """`steps(...)` as gzip-compressed JSON bytes, cached with the listing."""
        return self._cached_steps(ctx, experiment_id, run, tag)[1]

    def _cached_steps(self, ctx, experiment_id, run, tag):
        """`(steps list, gzip JSON bytes)`, recomputed when the tag's series changes."""
        fingerprint = self._fingerprint(ctx, experiment_id, run, tag)
        cache_key = (experiment_id, run, tag)
        cached = self._steps.get(cache_key)
        if cached is not None and cached[0] == fingerprint:
            return cached[1], cached[2]
        result = self._list_steps(ctx, experiment_id, run, tag)
        payload = gzip.compress(json.dumps(result).encode("utf-8"), compresslevel=6,
                                mtime=0)
        self._steps.put(cache_key, (fingerprint, result, payload))
        return result, payload

    def _list_steps(self, ctx, experiment_id, run, tag):
        datums = self.datums(ctx, experiment_id, run, tag)
        last, manifest = self._latest_manifest(ctx, run, tag, datums)
        if manifest is None:
            result = []
        else:
            per_sample = 1 + len(manifest["masks"])
            result = []
            for i, datum in enumerate(datums):
                if i > last:
                    continue  # unreadable steps after the latest readable one
                key = datum.values[0].blob_key if datum.values else None
                known = self._manifests.get(key) if key is not None else None
                if isinstance(known, Exception):
                    continue
                if isinstance(known, dict):
                    samples = len(known["samples"])
                    if encoding.blob_count(known) != len(datum.values):
                        continue
                elif (len(datum.values) - 1) % per_sample == 0 and len(datum.values) > 1:
                    samples = (len(datum.values) - 1) // per_sample
                else:
                    try:
                        samples = len(self._datum_manifest(ctx, run, tag, datum)["samples"])
                    except (Unreadable, NotFound):
                        continue
                result.append({"step": datum.step, "wall_time": datum.wall_time,
                               "samples": samples})
        return result

    def _series(self, ctx, experiment_id, run, tag):
        """The `BlobSequenceTimeSeries` of `run`/`tag`, its plugin data checked."""
        if not run:
            raise BadRequest("missing parameter 'run'")
        if not tag:
            raise BadRequest("missing parameter 'tag'")
        try:
            listing = self._provider.list_blob_sequences(
                ctx, experiment_id=experiment_id, plugin_name=PLUGIN_NAME,
                run_tag_filter=provider_lib.RunTagFilter(runs=[run], tags=[tag]))
        except tb_errors.NotFoundError:
            listing = {}
        series = listing.get(run, {}).get(tag)
        if series is None:
            raise NotFound("no saliency data for run %r, tag %r" % (run, tag))
        try:
            metadata.parse_plugin_data(series.plugin_content)
        except metadata.FormatVersionError as e:
            self._warn_version(run, tag, "any", e)
            raise Unreadable("run %r, tag %r needs a newer tensorboard-plugin-saliency: %s"
                             % (run, tag, e)) from None
        except ValueError as e:
            raise Unreadable("malformed saliency data for run %r, tag %r: %s"
                             % (run, tag, e)) from None
        return series

    def _fingerprint(self, ctx, experiment_id, run, tag):
        """What changes when the kept steps of `run`/`tag` may have changed."""
        series = self._series(ctx, experiment_id, run, tag)
        return (series.max_step, series.max_wall_time, series.max_length)

    # -- one sample ---------------------------------------------------------

    def select(self, ctx, experiment_id, run, tag, step=None, sample=0):
        """The `Selection` of `sample` at `step` (the latest step when None)."""
        self._series(ctx, experiment_id, run, tag)
        datums = self.datums(ctx, experiment_id, run, tag)
        if step is None:
            last, manifest = self._latest_manifest(ctx, run, tag, datums)
            if manifest is None:
                # Report why the latest step cannot be read.
                self._datum_manifest(ctx, run, tag, datums[-1])
            datum = datums[last]
        else:
            datum = next((d for d in datums if d.step == step), None)
            if datum is None:
                raise NotFound("no step %d for run %r, tag %r (kept steps: %s)"
                               % (step, run, tag, _steps_text(datums)))
            manifest = self._datum_manifest(ctx, run, tag, datum)
        count = len(manifest["samples"])
        if sample >= count:
            raise NotFound("no sample %d at run %r, tag %r, step %d: it holds %d"
                           % (sample, run, tag, datum.step, count))
        return Selection(run, tag, datum, manifest, sample)

    def sample_json(self, selection, url_prefix="blob?key="):
        """The `/sample` answer for `selection`."""
        info = selection.manifest["samples"][selection.sample]
        image = info["image"]
        masks = []
        for j, (mask, stored) in enumerate(zip(selection.manifest["masks"], info["masks"])):
            masks.append({
                "name": mask["name"],
                "url": url_prefix + urllib.parse.quote(selection.mask_key(j), safe=""),
                "width": stored["width"],
                "height": stored["height"],
                "min": stored["min"],
                "max": stored["max"],
                "encoding": stored.get("encoding", encoding.MASK_ENCODING),
                "params": mask.get("params", {}),
            })
        return {
            "run": selection.run,
            "tag": selection.tag,
            "step": selection.datum.step,
            "wall_time": selection.datum.wall_time,
            "sample": selection.sample,
            "samples": len(selection.manifest["samples"]),
            "label": info.get("label"),
            "image": {
                "url": url_prefix + urllib.parse.quote(selection.image_key(), safe=""),
                "width": image["width"],
                "height": image["height"],
                "channels": image.get("channels"),
            },
            "masks": masks,
        }

    def render(self, ctx, experiment_id, run, tag, step=None, sample=0, mask=None,
               options=None):
        """PNG bytes of the overlay of `mask` on its image (see `render.render_overlay`)."""
        from tensorboard_plugin_saliency import render

        selection = self.select(ctx, experiment_id, run, tag, step, sample)
        number = selection.mask_number(mask)
        info = selection.manifest["samples"][selection.sample]
        try:
            image = encoding.decode_png(self.read_blob(ctx, selection.image_key()))
            values = encoding.decode_mask(self.read_blob(ctx, selection.mask_key(number)),
                                          info["masks"][number])
        except NotFound:
            raise
        except (ValueError, OSError, KeyError) as e:
            raise Unreadable("malformed saliency data at run %r, tag %r, step %d: %s"
                             % (run, tag, selection.step, _short(e))) from None
        try:
            return render.png_bytes(image, values, **(options or {}))
        except ValueError as e:  # an option the renderer refuses
            raise BadRequest(str(e)) from None


def _steps_text(datums):
    steps = [d.step for d in datums]
    if len(steps) > 8:
        return "%s ... %s" % (", ".join(map(str, steps[:4])), ", ".join(map(str, steps[-2:])))
    return ", ".join(map(str, steps))


def _short(error):
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:200]


def _is_grpc_not_found(error):
    try:
        import grpc
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, grpc.RpcError) and error.code() in (
        grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT)


def _sample_args(args):
    """`(run, tag, step or None, sample)` of a `/sample` or `/render` request."""
    run, tag = _required(args, "run"), _required(args, "tag")
    step = _optional_index(args, "step")
    return run, tag, step, parse_index(args.get("sample"), "sample", default=0)


def blob_content_type(data):
    """`(content_type, content_encoding)` of a stored blob, from its first bytes."""
    head = bytes(data[:8])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", None
    if head.startswith(b"\x1f\x8b"):
        return "application/octet-stream", "gzip"
    if head.lstrip()[:1] in (b"{", b"["):
        return "application/json", None
    return "application/octet-stream", None


# ---------------------------------------------------------------------------
# TensorBoard loader and plugin.


class SaliencyLoader(base_plugin.TBLoader):
    """Loads `SaliencyPlugin`; sets the default number of steps kept per tag.

    `fix_flags` sets `--samples_per_plugin=saliency=50` unless the user gave a value:
    one step of a typical run (3 RGB 224x224 images with 3 masks each) takes about
    1.1 MB, so 50 steps cost ~55 MB per run and tag on either backend, while
    TensorBoard's default of 10 for unknown plugins is too few to follow training.
    `--samples_per_plugin=saliency=0` keeps every step.
    """

    def fix_flags(self, flags):
        samples = getattr(flags, "samples_per_plugin", None)
        if samples is None:
            flags.samples_per_plugin = samples = {}
        samples.setdefault(PLUGIN_NAME, DEFAULT_SAMPLES_PER_TAG)

    def load(self, context):
        return SaliencyPlugin(context)


class SaliencyPlugin(base_plugin.TBPlugin):
    """Serves saliency summaries: listings, blobs, server-side renders, frontend files."""

    plugin_name = PLUGIN_NAME

    def __init__(self, context):
        self._provider = context.data_provider
        hints = context.sampling_hints or {}
        self._data = SaliencyData(
            self._provider, hints.get(PLUGIN_NAME, DEFAULT_SAMPLES_PER_TAG))

    def get_plugin_apps(self):
        return {
            "/tags": self._serve_tags,
            "/steps": self._serve_steps,
            "/sample": self._serve_sample,
            "/blob": self._serve_blob,
            "/render": self._serve_render,
            "/static/*": self._serve_static,
            # TensorBoard strips a trailing slash: ".../static/" arrives as ".../static"
            # and would get TensorBoard's plain-text 404 instead of a JSON one.
            "/static": self._serve_static,
        }

    def is_active(self):
        """True when the data provider holds saliency data (one cheap listing call)."""
        if self._provider is None:
            return False
        try:
            plugins = self._provider.list_plugins(
                tb_context.RequestContext(), experiment_id="")
        except Exception:  # A provider that cannot answer has no data for us.
            return False
        return PLUGIN_NAME in plugins

    def frontend_metadata(self):
        return base_plugin.FrontendMetadata(
            es_module_path="/static/index.js", tab_name="Saliency")

    # -- routes ------------------------------------------------------------

    @wrappers.Request.application
    def _serve_tags(self, request):
        return _answer(request, lambda ctx, eid: _json(
            request, self._data.tags(ctx, eid)))

    @wrappers.Request.application
    def _serve_steps(self, request):
        args = request.args

        def handle(ctx, eid):
            run, tag = _required(args, "run"), _required(args, "tag")
            # Pre-encoded and cached: a long listing costs no JSON or gzip work.
            return http_util.Respond(request, self._data.steps_gzip(ctx, eid, run, tag),
                                     "application/json", content_encoding="gzip")

        return _answer(request, handle)

    @wrappers.Request.application
    def _serve_sample(self, request):
        args = request.args

        def handle(ctx, eid):
            run, tag, step, sample = _sample_args(args)
            selection = self._data.select(ctx, eid, run, tag, step, sample)
            return _json(request, self._data.sample_json(selection))

        return _answer(request, handle)

    @wrappers.Request.application
    def _serve_blob(self, request):
        def handle(ctx, eid):
            key = request.args.get("key")
            if not key:
                raise BadRequest("missing parameter 'key'")
            data = self._data.read_blob(ctx, key)
            content_type, content_encoding = blob_content_type(data)
            response = http_util.Respond(
                request, data, content_type, expires=BLOB_MAX_AGE_S,
                content_encoding=content_encoding)
            response.headers["Cache-Control"] = "private, max-age=%d, immutable" % (
                BLOB_MAX_AGE_S)
            return response

        return _answer(request, handle)

    @wrappers.Request.application
    def _serve_render(self, request):
        args = request.args

        def handle(ctx, eid):
            run, tag, step, sample = _sample_args(args)
            options = render_options(
                colormap=args.get("colormap"), opacity=args.get("opacity"),
                clip=args.get("clip"), sign=args.get("sign"),
                threshold=args.get("threshold"))
            png = self._data.render(ctx, eid, run, tag, step, sample, args.get("mask"),
                                    options)
            return http_util.Respond(request, png, "image/png")

        return _answer(request, handle)

    @wrappers.Request.application
    def _serve_static(self, request):
        def handle(ctx, eid):
            path = request.path
            at = path.find(_STATIC_PREFIX)
            relative = path[at + len(_STATIC_PREFIX):] if at >= 0 else ""
            full = static_file_path(relative)
            content_type = STATIC_CONTENT_TYPES[os.path.splitext(full)[1].lower()]
            with open(full, "rb") as f:
                data = f.read()
            return http_util.Respond(request, data, content_type)

        return _answer(request, handle)


def static_file_path(relative):
    """Absolute path of the frontend file `relative`; `NotFound` if it leaves the
    static directory, has an unknown extension, or does not exist."""
    from tensorboard_plugin_saliency import static_files

    bad = (not relative or "\\" in relative or "\x00" in relative
           or relative.startswith("/") or os.path.isabs(relative)
           or any(part in ("", ".", "..") for part in relative.split("/")))
    if bad:
        raise NotFound("no static file %r" % (relative,))
    if os.path.splitext(relative)[1].lower() not in STATIC_CONTENT_TYPES:
        raise NotFound("no static file %r" % (relative,))
    root = os.path.realpath(static_files.static_dir())
    full = os.path.realpath(os.path.join(root, relative))
    if os.path.commonpath([root, full]) != root or not os.path.isfile(full):
        raise NotFound("no static file %r" % (relative,))
    return full


def _required(args, name):
    value = args.get(name)
    if value is None or value == "":
        raise BadRequest("missing parameter %r" % name)
    return value


def _optional_index(args, name):
    value = args.get(name)
    if value is None or value == "":
        return None
    return parse_index(value, name)


def _json(request, value):
    return http_util.Respond(request, value, "application/json")


def _error(request, code, message):
    return http_util.Respond(request, {"error": message}, "application/json", code=code)


def _answer(request, handle):
    """Runs `handle(ctx, experiment_id)`, turning every failure into a JSON error."""
    try:
        ctx = plugin_util.context(request.environ)
        experiment_id = plugin_util.experiment_id(request.environ)
        return handle(ctx, experiment_id)
    except QueryError as e:
        return _error(request, e.code, str(e))
    except tb_errors.PublicError as e:
        return _error(request, e.http_code, str(e))
    except Exception as e:  # Never a traceback in a response.
        if _is_grpc_not_found(e):
            return _error(request, 404, "not found")
        logger.exception("saliency plugin: error serving %s", request.path)
        return _error(request, 500, "internal error in the saliency plugin: %s"
                      % type(e).__name__)
