"""Reads saliency blob sequences through a TensorBoard `DataProvider`, with caches.

`BlobReader` is the only code that calls the data provider. It lists a tag's
series and kept steps, reads blobs (cached by key: keys name immutable values),
parses each step's `Manifest` once, and logs once per step that a step is
skipped, and why.

A step written in format 3 or 4 holds its manifest alone; its images and masks live
in an asset file below the run's directory (`assets`). Their blob keys are the
plugin's own (`asset_key`): the run, the manifest's key and the blob's index. Each
blob is read and checked when first asked for (a format-3 file: whole, once), and
kept in the same byte-bounded cache.
"""

import base64
import concurrent.futures
import dataclasses
import json
import logging
import threading
import time

from tensorboard import errors as tb_errors
from tensorboard.data import provider as provider_lib

from tensorboard_plugin_saliency import storage
from tensorboard_plugin_saliency.format import assets, metadata
from tensorboard_plugin_saliency.format import parts as parts_lib
from tensorboard_plugin_saliency.format.manifest import Manifest, PartsInfo
from tensorboard_plugin_saliency.plugin.errors import (
    NewerFormatError,
    NotFoundError,
    UnreadableError,
)
from tensorboard_plugin_saliency.plugin.lru import LRU

logger = logging.getLogger(__name__)

PLUGIN_NAME = metadata.PLUGIN_NAME

ALL_STEPS = 1_000_000_000
"""`downsample` for "keep all": the provider API reads `downsample=0` as "none"."""

_MANIFEST_CACHE_SIZE = 4096
# Parsed manifests, bounded by the bytes of their JSON too: a parsed one holds about
# 2.7 times its JSON (16 images with 4 masks: 10.7 KB of JSON, 28 KB parsed), and a
# manifest with faithfulness curves is tens of KB of JSON.
_MANIFEST_CACHE_BYTES = 16 * 1024 * 1024
_MANIFEST_READERS = 16
# The one cache of pixels. The Python backend's `read_blob` decodes the whole tensor
# of a step to return one blob, and a format-3 asset file is read whole to check its
# hash, so a page fetching every image and mask of a step would read that step once
# per blob; the cache keeps those reads to one each (such a file is kept whole, its
# blobs sliced from it, unless it is too large). A format-4 blob is read alone.
_BLOB_CACHE_BYTES = 64 * 1024 * 1024
_BLOB_CACHE_ITEM_BYTES = 32 * 1024 * 1024

ASSET_KEY_PREFIX = "asset."

PART_PREFIX = "part:"
"""Marks, in an asset key, a part record's path where a manifest's blob key goes."""

_PART_RECORD_CACHE_BYTES = 32 * 1024 * 1024
"""Parsed part records kept, by the bytes of their JSON (about 500 per image): every
part of an opened step of 50,000 images, so that its rows, in any order, read no
record twice. A step only listed reads none."""

_JOINED_CACHE_BYTES = 128 * 1024 * 1024
"""The joined steps in parts kept (by `_JOINED_BYTES_PER_IMAGE`): a few opened steps of
50,000 images; a step only listed costs nothing here."""

_JOINED_BYTES_PER_IMAGE = 600
"""About what one image of a joined step takes in memory (its sizes, fields, id)."""

PARTS_LISTING_SECONDS = 1.0
"""How long a step's listing of parts is reused before the directory is listed again
(parts may still be arriving)."""


@dataclasses.dataclass(frozen=True)
class StepParts:
    """A step written in parts, as its directory's listing shows it: no record read."""

    directory: str
    """Where its part records are, relative to the run's directory."""
    names: tuple
    """The newest record of each part key (`parts.PartName`), in the step's order."""
    expected: int | None
    """How many parts the step's event says it has (None: not said)."""

    @property
    def count(self):
        """The step's number of images."""
        return sum(name.images for name in self.names)

    def record(self, number):
        """The path of part `number`'s record."""
        return "%s/%s" % (self.directory, self.names[number].file_name)

    def locate(self, sample):
        """`(part number, image number in that part)` of image `sample` of the step."""
        for number, name in enumerate(self.names):
            if sample < name.images:
                return number, sample
            sample -= name.images
        raise IndexError("image past the step's images")


"""Blob keys of images and masks in asset files start with this."""

_NOT_FOUND_ERRORS = (
    tb_errors.NotFoundError,
    tb_errors.InvalidArgumentError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
)


class BlobReader:
    """Provider reads of the saliency plugin's data, cached. Thread-safe."""

    def __init__(self, data_provider, downsample, run_directory=None):
        """`run_directory(run)` is the directory (or URL) holding a run's event files,
        below which its asset files live; None when they cannot be located."""
        self._provider = data_provider
        self.downsample = downsample if downsample and downsample > 0 else ALL_STEPS
        self._run_directory = run_directory
        self._blobs = LRU(max_bytes=_BLOB_CACHE_BYTES, max_item_bytes=_BLOB_CACHE_ITEM_BYTES)
        self._manifests = LRU(_MANIFEST_CACHE_SIZE, max_bytes=_MANIFEST_CACHE_BYTES)
        self._part_records = LRU(_MANIFEST_CACHE_SIZE, max_bytes=_PART_RECORD_CACHE_BYTES)
        self._skipped = LRU(_MANIFEST_CACHE_SIZE)
        self._newer_warned = threading.Event()
        self._loading = {}  # asset being read -> its lock: one reader per file
        self._loading_lock = threading.Lock()
        self._listings = LRU(_MANIFEST_CACHE_SIZE)  # (run, directory) -> (time, StepParts)
        self._joined = LRU(_MANIFEST_CACHE_SIZE, max_bytes=_JOINED_CACHE_BYTES)

    def read_blob(self, ctx, key):
        """Bytes of the blob `key`; `NotFoundError` for a key the provider does not know
        or a missing asset file, `UnreadableError` for a damaged one."""
        data = self._blobs.get(key)
        if data is not None:
            return data
        if key.startswith(ASSET_KEY_PREFIX):
            run, manifest_key, index = parse_asset_key(key)
            if manifest_key.startswith(PART_PREFIX):
                manifest = self.part_manifest(run, manifest_key[len(PART_PREFIX) :])
            else:
                manifest = self.manifest(ctx, manifest_key)
            if manifest.asset is None or not 1 <= index <= manifest.pixel_blob_count:
                raise NotFoundError("no blob with key %r" % (key,))
            return self._asset_blob(run, manifest_key, manifest, index)
        data = self._provider_blob(ctx, key)
        self._blobs.put(key, data)
        return data

    def _provider_blob(self, ctx, key):
        """The data provider's blob `key`, not cached."""
        try:
            return self._provider.read_blob(ctx, blob_key=key)
        except _NOT_FOUND_ERRORS as e:
            logger.debug("read_blob(%r): %s", key, short(e))
            raise NotFoundError("no blob with key %r" % (key,)) from None
        except Exception as e:  # grpc.RpcError and other provider failures
            if is_grpc_not_found(e):
                raise NotFoundError("no blob with key %r" % (key,)) from None
            raise

    def manifest(self, ctx, key):
        """The `Manifest` in blob `key`; `NewerFormatError` or `UnreadableError` if it
        cannot be read, `NotFoundError` for an unknown key."""
        cached = self._manifests.get(key)
        if cached is None:
            # Kept parsed only (weighed by its JSON), not in the blob cache as well.
            data = self._blobs.get(key) or self._provider_blob(ctx, key)
            try:
                cached = Manifest.from_json(data)
            except metadata.FormatVersionError as e:
                cached = NewerFormatError(
                    "this step needs a newer tensorboard-plugin-saliency: %s" % e
                )
            except ValueError as e:
                cached = UnreadableError("malformed saliency data: %s" % e)
            self._manifests.put(key, cached, size=len(data))
        if isinstance(cached, Exception):
            raise cached
        return cached

    def read_manifests(self, ctx, keys):
        """`{key: Manifest or the error reading it}` for `keys`; those not cached are
        read concurrently. RustBoard answers each read in about 40 ms when asked one
        at a time (TCP delayed acknowledgement), so listing the steps of a long
        format-3 tag reads their manifests side by side."""
        keys = list(dict.fromkeys(keys))
        found = {k: self._manifests.get(k) for k in keys}
        missing = [k for k, v in found.items() if v is None]
        if missing:
            workers = min(_MANIFEST_READERS, len(missing))
            with concurrent.futures.ThreadPoolExecutor(workers) as pool:
                found.update(
                    zip(missing, pool.map(lambda k: self._manifest_or_error(ctx, k), missing))
                )
        return found

    def _manifest_or_error(self, ctx, key):
        try:
            return self.manifest(ctx, key)
        except (NotFoundError, UnreadableError) as e:
            return e

    def check_asset(self, run, manifest_key, manifest, sample):
        """Reads and checks the image and masks of `sample` at a format-3 or 4 step
        into the cache; `NotFoundError` if its asset file is missing,
        `UnreadableError` if it is damaged."""
        indices = [manifest.image_index(sample)]
        indices += [manifest.mask_index(sample, m) for m in range(len(manifest.masks))]
        for index in indices:
            self._asset_blob(run, manifest_key, manifest, index)

    def asset_scores(self, run, manifest_key, manifest):
        """The step's scores with the curves its asset file holds (read alone,
        checked, cached); `NotFoundError` / `UnreadableError` as `check_asset`."""
        blob = self._asset_blob(run, manifest_key, manifest, manifest.asset.curves_index)
        try:
            return assets.join_curves(manifest, blob)
        except assets.DamagedAssetError as e:
            raise UnreadableError("run %r: %s" % (run, e)) from None

    def _asset_blob(self, run, manifest_key, manifest, index):
        """Blob `index` of the step's asset file: read alone and checked against its
        own CRC-32C (format 4), or from the whole file, read and checked once (format 3)."""
        key = asset_key(run, manifest_key, index)
        data = self._blobs.get(key)
        if data is not None:
            return data
        if manifest.asset.blob_digests:
            data = self._read_asset(run, manifest.asset, index)
            self._blobs.put(key, data)
            return data
        file_key = (run, manifest_key)
        data = self._blobs.get(file_key)
        if data is None:
            with self._loading_lock:
                lock = self._loading.setdefault(file_key, threading.Lock())
            try:
                with lock:  # a page asks for every blob of a step at once: read it once
                    data = self._blobs.get(file_key) or self._cache_asset(
                        run, manifest_key, manifest
                    )
            finally:
                with self._loading_lock:
                    self._loading.pop(file_key, None)
            if isinstance(data, list):
                return data[index - 1]
        return data[slice(*manifest.asset.span(index))]

    def _cache_asset(self, run, manifest_key, manifest):
        """Reads and checks a whole format-3 asset file; caches it whole, or if it is
        too large, as its blobs (then returned as a list)."""
        data = self._read_asset(run, manifest.asset)
        if len(data) <= _BLOB_CACHE_ITEM_BYTES:
            self._blobs.put((run, manifest_key), data)
            return data
        blobs = assets.split(data, manifest.asset)
        for i, blob in enumerate(blobs, 1):
            self._blobs.put(asset_key(run, manifest_key, i), blob)
        return blobs

    def _read_asset(self, run, asset, index=None):
        """The checked bytes of blob `index` of the asset file, or of the whole file."""
        if self._run_directory is None:
            raise UnreadableError(
                "run %r keeps its images and masks in %s, and this TensorBoard does not "
                "say where the run's directory is" % (run, asset.path)
            )
        directory = self._run_directory(run)
        try:
            if index is None:
                return assets.read(directory, asset)
            return assets.read_blob(directory, asset, index)
        except assets.MissingAssetError as e:
            raise NotFoundError("run %r: %s" % (run, e)) from None
        except assets.DamagedAssetError as e:
            raise UnreadableError("run %r: %s" % (run, e)) from None
        except OSError as e:
            message = "run %r: cannot read %s: %s" % (run, asset.path, short(e))
            raise UnreadableError(message) from None

    def part_manifest(self, run, record):
        """The `Manifest` of the part record at `record` (a path below `run`'s
        directory); `NotFoundError` if it is gone, `UnreadableError` if malformed.
        Kept in a cache of part records, weighed by its JSON: a record's name is
        never reused, so a cached record is never stale."""
        key = (PART_PREFIX, run, record)
        cached = self._part_records.get(key)
        if cached is None:
            where, _, file_name = record.rpartition("/")
            name = parts_lib.parse_name(file_name)
            if name is None or parts_lib.directory_of(record) is None:
                raise NotFoundError("no part record %r" % (record,))
            try:
                data = self._location(run, record).read(record)
            except FileNotFoundError:
                raise NotFoundError(
                    "run %r: the part record %s was deleted" % (run, record)
                ) from None
            except OSError as e:
                raise UnreadableError(
                    "run %r: cannot read %s: %s" % (run, record, short(e))
                ) from None
            try:
                cached = parts_lib.parse(data, name)
            except metadata.FormatVersionError as e:
                cached = NewerFormatError(
                    "this step needs a newer tensorboard-plugin-saliency: %s" % e
                )
            except ValueError as e:
                cached = UnreadableError(
                    "run %r: malformed part record %s: %s" % (run, record, short(e))
                )
            self._part_records.put(key, cached, size=len(data))
        if isinstance(cached, Exception):
            raise cached
        return cached

    def step_parts(self, run, manifest):
        """The `StepParts` of a step whose event `manifest` names its parts, from a
        listing of its directory (no record read), listed again after
        `PARTS_LISTING_SECONDS`: parts may still be arriving."""
        directory = manifest.parts.directory
        cached = self._listings.get((run, directory))
        if cached is not None and time.monotonic() - cached[0] < PARTS_LISTING_SECONDS:
            return cached[1]
        try:
            names = parts_lib.newest(self._location(run, directory).list_names(directory))
        except OSError as e:
            raise UnreadableError(
                "run %r: cannot list %s: %s" % (run, directory, short(e))
            ) from None
        if not names:
            raise NotFoundError(
                "run %r: the images and masks of this step are missing: no part records in "
                "%s (deleted, or not copied with the event files)" % (run, directory)
            )
        found = StepParts(directory, tuple(names), manifest.parts.expected)
        self._listings.put((run, directory), (time.monotonic(), found))
        return found

    def part(self, run, step_parts, number):
        """`(record path, Manifest)` of part `number` of a step in parts."""
        record = step_parts.record(number)
        return record, self.part_manifest(run, record)

    def joined(self, run, step_parts):
        """The step's manifest: every part's images in order (`parts.joined`), its
        `parts` entry saying how many parts were found and expected. Reads every part
        record (kept in the part records' cache); the join is kept too, weighed by the
        step's images, until the listing changes."""
        key = (run, step_parts)
        cached = self._joined.get(key)
        if cached is not None:
            return cached
        with self._loading_lock:
            lock = self._loading.setdefault(("joined",) + key, threading.Lock())
        try:
            with lock:  # the rows of a grid ask at once: one join, the others wait for it
                return self._joined.get(key) or self._join(run, step_parts, key)
        finally:
            with self._loading_lock:
                self._loading.pop(("joined",) + key, None)

    def _join(self, run, step_parts, key):
        manifests = [self.part(run, step_parts, i)[1] for i in range(len(step_parts.names))]
        try:
            joined = parts_lib.joined(manifests, step_parts.expected)
        except ValueError as e:
            raise UnreadableError("run %r: %s" % (run, e)) from None
        said = PartsInfo(step_parts.directory, joined.part.expected)
        joined = dataclasses.replace(joined, part=None, parts=said)
        self._joined.put(key, joined, size=_JOINED_BYTES_PER_IMAGE * step_parts.count)
        return joined

    def sample_count(self, run, manifest):
        """The number of images of a step with event manifest `manifest`."""
        if manifest.parts is None:
            return len(manifest.samples)
        return self.step_parts(run, manifest).count

    def _location(self, run, path):
        if self._run_directory is None:
            raise UnreadableError(
                "run %r keeps its images and masks in %s, and this TensorBoard does not "
                "say where the run's directory is" % (run, path)
            )
        return storage.location(self._run_directory(run))

    def known_manifest(self, key):
        """The cached `Manifest` or error of blob `key`, or None if not read yet."""
        return self._manifests.get(key)

    def datum_manifest(self, ctx, run, tag, datum):
        """The manifest of one step, checked against its blob count; logs a skipped step."""
        try:
            if not datum.values:
                raise UnreadableError(
                    "run %r, tag %r, step %d holds no blobs" % (run, tag, datum.step)
                )
            manifest = self.manifest(ctx, datum.values[0].blob_key)
            if manifest.blob_count != len(datum.values):
                raise UnreadableError(
                    "run %r, tag %r, step %d holds %d blobs, its manifest expects %d"
                    % (run, tag, datum.step, len(datum.values), manifest.blob_count)
                )
        except UnreadableError as e:
            self.skipped(run, tag, datum.step, e)
            raise
        return manifest

    def skipped(self, run, tag, step, error):
        """Logs that a step is left out: once for all newer-format data, once per
        step for malformed data."""
        if isinstance(error, NewerFormatError):
            if not self._newer_warned.is_set():
                self._newer_warned.set()
                logger.warning(
                    "Some saliency data is too new for this plugin and is left out "
                    "(run %r, tag %r, step %s): %s",
                    run,
                    tag,
                    step,
                    error,
                )
            return
        if (run, tag, step) in self._skipped:
            return
        self._skipped.put((run, tag, step), True)
        logger.warning(
            "Skipping malformed saliency data at run %r, tag %r, step %s: %s",
            run,
            tag,
            step,
            error,
        )

    def listing(self, ctx, experiment_id, run=None, tag=None):
        """`{run: {tag: BlobSequenceTimeSeries}}` of the saliency tags (of one run/tag)."""
        run_tag_filter = None
        if run is not None:
            run_tag_filter = provider_lib.RunTagFilter(runs=[run], tags=[tag])
        try:
            return self._provider.list_blob_sequences(
                ctx,
                experiment_id=experiment_id,
                plugin_name=PLUGIN_NAME,
                run_tag_filter=run_tag_filter,
            )
        except tb_errors.NotFoundError:
            return {}

    def series(self, ctx, experiment_id, run, tag):
        """The `BlobSequenceTimeSeries` of `run`/`tag`, its plugin data checked."""
        series = self.listing(ctx, experiment_id, run, tag).get(run, {}).get(tag)
        if series is None:
            raise NotFoundError("no saliency data for run %r, tag %r" % (run, tag))
        check_plugin_data(series, run, tag, self)
        return series

    def datums(self, ctx, experiment_id, runs, tags, latest_only=False):
        """`{run: {tag: [BlobSequenceDatum]}}`, each list oldest first."""
        data = self._provider.read_blob_sequences(
            ctx,
            experiment_id=experiment_id,
            plugin_name=PLUGIN_NAME,
            downsample=1 if latest_only else self.downsample,
            run_tag_filter=provider_lib.RunTagFilter(runs=runs, tags=tags),
        )
        return {
            run: {tag: sorted(datums, key=lambda d: d.step) for tag, datums in by_tag.items()}
            for run, by_tag in data.items()
        }

    def kept_steps(self, ctx, experiment_id, run, tag):
        """The kept `BlobSequenceDatum`s of `run`/`tag`, oldest first."""
        try:
            datums = self.datums(ctx, experiment_id, [run], [tag]).get(run, {}).get(tag)
        except tb_errors.NotFoundError:
            datums = None
        if not datums:
            raise NotFoundError("no saliency data for run %r, tag %r" % (run, tag))
        return datums

    def latest_manifest(self, ctx, run, tag, datums):
        """`(index, manifest)` of the latest readable step of `datums`, or `(None, None)`."""
        for i in range(len(datums) - 1, -1, -1):
            try:
                return i, self.datum_manifest(ctx, run, tag, datums[i])
            except UnreadableError:
                continue
            except NotFoundError as e:  # the backend lists a blob it cannot read back
                self.skipped(run, tag, datums[i].step, e)
                continue
        return None, None


def asset_key(run, manifest_key, index):
    """The blob key of blob `index` (1 = the first image) of the asset file named by
    the manifest at `manifest_key` in `run`."""
    text = json.dumps([run, manifest_key, index], ensure_ascii=True, separators=(",", ":"))
    return ASSET_KEY_PREFIX + base64.urlsafe_b64encode(text.encode("ascii")).decode("ascii")


def parse_asset_key(key):
    """`(run, manifest key, index)` of an `asset_key`; `NotFoundError` if it is not one."""
    try:
        run, manifest_key, index = json.loads(
            base64.urlsafe_b64decode(key[len(ASSET_KEY_PREFIX) :].encode("ascii"))
        )
        if isinstance(run, str) and isinstance(manifest_key, str) and type(index) is int:
            return run, manifest_key, index
    except (ValueError, TypeError, UnicodeError):
        pass
    raise NotFoundError("no blob with key %r" % (key,))


def check_plugin_data(series, run, tag, reader):
    """Raises `NewerFormatError` / `UnreadableError` if the series' plugin data cannot
    be read by this package (logging a newer format through `reader`)."""
    try:
        metadata.parse_plugin_data(series.plugin_content)
    except metadata.FormatVersionError as e:
        error = NewerFormatError(
            "run %r, tag %r needs a newer tensorboard-plugin-saliency: %s" % (run, tag, e)
        )
        reader.skipped(run, tag, "any", error)
        raise error from None
    except ValueError as e:
        raise UnreadableError(
            "malformed saliency data for run %r, tag %r: %s" % (run, tag, e)
        ) from None


def short(error):
    """The first line of an error's message, at most 200 characters."""
    text = str(error) or type(error).__name__
    return text.splitlines()[0][:200]


def is_grpc_not_found(error):
    """True for RustBoard's "not found" / "invalid argument" answers."""
    try:
        import grpc
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, grpc.RpcError) and error.code() in (
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.INVALID_ARGUMENT,
    )
