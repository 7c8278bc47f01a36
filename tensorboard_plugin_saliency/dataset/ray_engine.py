"""The Ray engine: a dataset job as Ray Data `map_batches` over a pool of actors, each
of which builds the model once and writes its own parts straight to the log
directory. The driver holds no pixels: it hands out chunk descriptors, reads the
small rows the actors return, drives the progress bar and adds up the tally.

    data an array, a map-style dataset, an image folder (a ranged `sources.Source`):
        from_items([{index, start, stop}, ...])  one block per chunk not yet written
          -> map_batches(_ChunkActor, batch_size=1)  each actor reads its own chunk
             (`source.read(start, stop)`), explains it, writes part `chunk<index>`

    data a `ray.data.Dataset` of rows {"image", optional "label", optional "id"}:
        data.map_batches(_BatchActor, batch_size=part_size)
             each batch written as part `chunk-<hash of its image ids>`

A part's key depends only on what it holds, so a task Ray retries (its actor killed,
its node lost: the pool restarts actors and retries their tasks) writes the same key
again, and the parts format keeps the newest record of a key: never a duplicate.
A job run again skips the parts already written (for a `ray.data.Dataset`, whose
batches may fall otherwise from run to run, the images already written).

On a cluster of several machines, every node needs this package (and the model's
framework), the log directory must be one they all reach (object storage, or a shared
file system), and so must an image folder or a model file, at the same path.

Ray is an optional extra (`pip install tensorboard-plugin-saliency[ray]`), imported
only here and only when a job runs on it.
"""

import contextlib
import copy
import dataclasses
import hashlib
import numbers
import os
import sys
import time
import warnings

import numpy as np

from tensorboard_plugin_saliency import storage
from tensorboard_plugin_saliency.dataset import explain as explain_lib
from tensorboard_plugin_saliency.dataset import folder as folder_lib
from tensorboard_plugin_saliency.dataset import job as job_lib
from tensorboard_plugin_saliency.dataset import models, sources
from tensorboard_plugin_saliency.dataset import progress as progress_lib
from tensorboard_plugin_saliency.format import parts as parts_lib

INSTALL = "pip install tensorboard-plugin-saliency[ray]"

IMAGE_COLUMN = "image"
"""A `ray.data.Dataset`'s images: arrays in the model's layout, or, with `size`,
`scale`, `mean` or `std` given, uint8 pixels `[H, W, C]` or `[H, W]` as
`ray.data.read_images` yields them (preprocessed like an image folder's)."""
LABEL_COLUMN = "label"
"""Optional: each image's true class, an index (or a one-hot vector)."""
ID_COLUMNS = ("id", "path")
"""Optional: each image's id, the first of these columns present (`path` is what
`ray.data.read_images(..., include_paths=True)` adds); without one, an image's id is
a hash of its pixels (`sha1-...`)."""


@dataclasses.dataclass(frozen=True)
class RayOptions:
    """How a dataset job runs on Ray (`explain_dataset(..., ray_options=...)`, an
    instance or a dict of these fields).

    Raises:
      TypeError, ValueError: a field that is not what it takes (the message names it).

    Example:
      ```python
      from tensorboard_plugin_saliency.dataset import explain_dataset
      from tensorboard_plugin_saliency.dataset.ray_engine import RayOptions

      options = RayOptions(concurrency=4, num_gpus=1)  # or {"concurrency": 4, ...}
      explain_dataset(model, data, logdir="s3://bucket/logs", engine="ray", ray_options=options)
      ```
    """

    concurrency: int = 2
    """Actors in the pool: models explaining at once."""
    num_cpus: float = 1
    """CPUs per actor; each actor's PyTorch / TensorFlow uses that many threads."""
    num_gpus: float = 0
    """GPUs per actor."""
    address: str | None = None
    """The cluster to connect to (`ray.init(address=...)`) when this process is not
    connected to Ray yet; None: `RAY_ADDRESS` if set, else a local cluster."""
    max_task_retries: int = 3
    """How many times a chunk whose actor died is tried again (on a restarted actor)
    before the job fails; -1: without end."""
    runtime_env: dict | None = None
    """The actors' Ray runtime environment, e.g. `{"env_vars": {...}}` for an object
    store's endpoint and credentials."""

    def __post_init__(self):
        _check_integer("concurrency", self.concurrency, 1)
        _check_number("num_cpus", self.num_cpus, positive=True)
        _check_number("num_gpus", self.num_gpus, positive=False)
        if self.address is not None and not isinstance(self.address, str):
            raise TypeError("ray_options.address: expected a string, got %r" % (self.address,))
        _check_integer("max_task_retries", self.max_task_retries, -1)
        if self.runtime_env is not None and not isinstance(self.runtime_env, dict):
            raise TypeError(
                "ray_options.runtime_env: expected a dict, got %s" % type(self.runtime_env).__name__
            )

    @classmethod
    def of(cls, options):
        """`options` (None, a `RayOptions` or a dict of its fields) as `RayOptions`.

        Args:
          options: None (the defaults), a `RayOptions`, or a dict of its fields.

        Raises:
          TypeError: `options` is none of those, or a field is not what it takes.
          ValueError: a key that is not a field, or a field out of its range.
        """
        if options is None:
            return cls()
        if isinstance(options, cls):
            return options
        if not isinstance(options, dict):
            raise TypeError(
                "ray_options: expected a RayOptions or a dict, got %s" % type(options).__name__
            )
        fields = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(str(k) for k in options if k not in fields)
        if unknown:
            raise ValueError(
                "ray_options: unknown option%s %s; expected some of %s"
                % ("s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(fields))
            )
        return cls(**options)

    @property
    def threads(self):
        """Threads per actor for the frameworks: its whole CPUs, at least one."""
        return max(1, int(self.num_cpus))


def explain(
    model,
    data,
    *,
    logdir,
    methods,
    tag,
    step,
    faithfulness,
    class_names,
    batch_size,
    part_size,
    preprocess,
    progress,
    options,
    regions=None,
):
    """`explain_dataset` on Ray (its arguments checked, `methods` and `faithfulness`
    as settings); returns the `explain.DatasetSummary`.

    Raises:
      ImportError: Ray is not installed.
      ValueError, TypeError: an argument is not what it takes, or `data` is a stream
        (before anything is written, and before Ray starts).
    """
    started = time.perf_counter()
    options = RayOptions.of(options)
    ray = _import_ray()
    if isinstance(data, ray.data.Dataset):
        if regions is not None:
            raise ValueError(
                "regions: a ray.data.Dataset's rows cannot be matched with regions; give "
                "the data as an array, a map-style dataset or an image folder"
            )
        plan = _dataset_plan(
            data, logdir, tag, step, methods, faithfulness, class_names, part_size, preprocess
        )
    else:
        plan = _ranged_plan(
            data,
            logdir,
            tag,
            step,
            methods,
            faithfulness,
            class_names,
            part_size,
            {**preprocess, "regions": regions},
        )
    bar = progress_lib.Progress(plan.total, progress)
    tally = job_lib.Tally()
    try:
        for images in plan.skipped:
            bar.skipped(images)
        if plan.has_work:
            _connect(ray, options)
            tally = _run(ray, plan, model, batch_size, options, bar)
    finally:
        bar.close()
    return explain_lib.finish(plan.job, tally, time.perf_counter() - started)


@dataclasses.dataclass
class _Plan:
    """What a job on Ray does: its `job`, the images it knows of (`total`), the parts
    already written it skips (their image counts), and its work: chunk descriptors
    of a ranged `source`, or a `ray.data.Dataset` (`dataset`)."""

    job: job_lib.Job
    total: int | None
    skipped: list
    descriptors: list = dataclasses.field(default_factory=list)
    source: sources.Source | None = None
    dataset: object = None
    written_ids: frozenset = frozenset()
    preprocess: folder_lib.Preprocess | None = None

    @property
    def has_work(self):
        return self.dataset is not None or bool(self.descriptors)


def _ranged_plan(
    data, logdir, tag, step, methods, faithfulness, class_names, part_size, preprocess
):
    # An image folder's layout is its model's: each actor sets it once it has loaded the
    # model (`_ChunkActor`), so the driver never loads it.
    source = sources.source_of(data, layout="channels_last", **preprocess)
    if not callable(getattr(source, "read", None)) or source.length is None:
        raise TypeError(
            "data: a stream (%s) is not supported on Ray; use an image folder, arrays, a "
            "map-style dataset or a ray.data.Dataset (each actor reads its own chunks)"
            % type(data).__name__
        )
    job = explain_lib.make_job(
        logdir, tag, step, methods, faithfulness, class_names, source, part_size
    )
    done = job_lib.written(job)
    job_lib.check_resumable(job, done)
    plan = _Plan(job=job, total=source.length, skipped=[], source=source)
    for chunk in source.chunks(part_size):
        key = job.part_key(chunk.index)
        if key in done:
            plan.skipped.append(done[key])
        else:
            stop = min(chunk.start + part_size, source.length)
            plan.descriptors.append({"index": chunk.index, "start": chunk.start, "stop": stop})
    return plan


@dataclasses.dataclass(frozen=True)
class _KeyedJob(job_lib.Job):
    """The job of a `ray.data.Dataset`, whose parts are named by what they hold: its
    `part_key` is given the key itself (`_batch_key`)."""

    def part_key(self, index):
        return index


def _dataset_plan(
    data, logdir, tag, step, methods, faithfulness, class_names, part_size, preprocess
):
    if any(v is not None for v in preprocess.values()):
        preprocess = folder_lib.Preprocess(**preprocess)
    else:
        preprocess = None
    schema = data.schema(fetch_if_missing=False)
    if schema is not None and IMAGE_COLUMN not in schema.names:
        raise ValueError(_columns_message(schema.names))
    job = _KeyedJob(
        logdir=str(logdir),
        tag=tag,
        step=step,
        methods=methods,
        faithfulness=faithfulness,
        part_size=part_size,
        expected=None,
        class_names=None if class_names is None else [str(n) for n in class_names],
        description="Saliency of a Ray dataset, written by explain_dataset in parts of up "
        "to %d." % part_size,
    )
    done = job_lib.written(job)
    job_lib.check_resumable(job, done)
    return _Plan(
        job=job,
        total=_known_count(data),
        skipped=[],
        dataset=data,
        written_ids=_written_ids(job) if done else frozenset(),
        preprocess=preprocess,
    )


def _run(ray, plan, model, batch_size, options, bar):
    """Runs the actor pool over the plan's work; the `job.Tally` of what it wrote."""
    model_ref = ray.put(model)
    common = dict(model=model_ref, job=plan.job, batch_size=batch_size, threads=options.threads)
    if plan.dataset is None:
        work = ray.data.from_items(plan.descriptors, override_num_blocks=len(plan.descriptors))
        actor = _ChunkActor
        kwargs = dict(common, source=ray.put(plan.source))
        rows_per_call = 1
    else:
        work = plan.dataset
        actor = _BatchActor
        kwargs = dict(common, preprocess=plan.preprocess, written_ids=ray.put(plan.written_ids))
        rows_per_call = plan.job.part_size
    with warnings.catch_warnings():
        # Ray 2.60 takes the actors' restart settings only as `**ray_remote_args`,
        # which it marks deprecated without a named replacement yet.
        warnings.filterwarnings("ignore", message=".*ray_remote_args.*")
        results = work.map_batches(
            actor,
            batch_size=rows_per_call,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=options.concurrency),
            num_cpus=options.num_cpus,
            num_gpus=options.num_gpus or None,
            runtime_env=options.runtime_env,
            fn_constructor_kwargs=kwargs,
            # A killed actor is restarted (its model built again) and its chunk
            # retried; the retry writes the same part key.
            max_restarts=-1,
            max_task_retries=options.max_task_retries,
        )
    tally = job_lib.Tally()
    with _quiet([ray.data.DataContext.get_current(), results.context]):
        for rows in results.iter_batches(batch_size=None, batch_format="numpy"):
            for images, skipped, labelled, correct in zip(
                rows["images"], rows["skipped"], rows["labelled"], rows["correct"]
            ):
                if skipped:
                    bar.skipped(int(skipped))
                if images:
                    tally.add(job_lib.Tally(int(images), int(labelled), int(correct)))
                    bar.written(int(images), tally)
    return tally


class _PartActor:
    """What the pool's actors share: the model, built once, and a `job.PartWorker`."""

    def __init__(self, model, job, batch_size, threads):
        _limit_threads(threads)
        self.model = models.load(_resolved(model))
        _limit_threads(threads)
        self.worker = job_lib.PartWorker(job, self.model, batch_size)

    def _write(self, index, batch):
        """Explains `batch` and writes it as part `job.part_key(index)`; its row."""
        if not batch.images.flags.writeable:  # a view of the object store's copy
            batch = dataclasses.replace(batch, images=batch.images.copy())
        tally = self.worker.write(index, batch, self.worker.explain(batch))
        return _row(images=tally.images, labelled=tally.labelled, correct=tally.correct)

    def __del__(self):
        try:
            self.worker.close()
        except Exception:  # a writer that cannot flush at exit has raised before
            pass


class _ChunkActor(_PartActor):
    """Explains and writes the chunks of a ranged source it is given as descriptors
    (`{"index", "start", "stop"}`), reading each itself."""

    def __init__(self, model, job, batch_size, threads, source):
        super().__init__(model, job, batch_size, threads)
        self.source = _resolved(source)
        if isinstance(self.source, sources.FolderSource):
            self.source = copy.copy(self.source)
            self.source.layout = models.layout(self.model)

    def __call__(self, descriptors):
        rows = []
        for index, start, stop in zip(
            descriptors["index"], descriptors["start"], descriptors["stop"]
        ):
            batch = self.source.read(int(start), int(stop))
            rows.append(self._write(int(index), batch))
        return _rows(rows)


class _BatchActor(_PartActor):
    """Explains and writes the batches of a `ray.data.Dataset`, each as the part named
    by its images' ids, leaving out the images a run before wrote."""

    def __init__(self, model, job, batch_size, threads, preprocess, written_ids):
        super().__init__(model, job, batch_size, threads)
        self.preprocess = preprocess
        self.layout = models.layout(self.model)
        self.written_ids = _resolved(written_ids)

    def __call__(self, columns):
        batch = _dataset_batch(columns, self.preprocess, self.layout)
        keep = [i for i, image_id in enumerate(batch.ids) if image_id not in self.written_ids]
        skipped = len(batch.ids) - len(keep)
        if not keep:
            return _rows([_row(skipped=skipped)])
        if skipped:
            batch = sources.Batch(
                batch.images[keep],
                None if batch.labels is None else batch.labels[keep],
                [batch.ids[i] for i in keep],
            )
        row = self._write(_batch_key(batch.ids), batch)
        row["skipped"] = skipped
        return _rows([row])


def _row(images=0, skipped=0, labelled=0, correct=0):
    return {"images": images, "skipped": skipped, "labelled": labelled, "correct": correct}


def _rows(rows):
    return {name: np.asarray([r[name] for r in rows], np.int64) for name in _row()}


def _batch_key(ids):
    """The part key of a batch of a `ray.data.Dataset`: a hash of its images' ids, the
    same for the same batch (a retried task's)."""
    digest = hashlib.sha1("\n".join(ids).encode("utf-8")).hexdigest()
    return "chunk-" + digest[:40]


def _dataset_batch(columns, preprocess, layout):
    """The `sources.Batch` of a batch of a `ray.data.Dataset` (`{column: array}`)."""
    if IMAGE_COLUMN not in columns:
        raise ValueError(_columns_message(list(columns)))
    raw = columns[IMAGE_COLUMN]
    ids = _ids(columns, raw)
    if preprocess is not None:
        images = np.stack([_preprocessed(image, preprocess) for image in raw])
        if layout == "channels_first":
            images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    elif raw.dtype == object:
        images = np.stack([np.asarray(image) for image in raw])
    else:
        images = raw
    labels = None
    if LABEL_COLUMN in columns:
        values = columns[LABEL_COLUMN]
        if values.dtype == object:
            values = np.stack([np.asarray(v) for v in values])
        values = np.asarray(values).reshape(len(images), -1)
        labels = values.argmax(axis=1) if values.shape[1] > 1 else values[:, 0]
        labels = labels.astype(np.int64)
    return sources.Batch(images, labels, ids)


def _ids(columns, images):
    for name in ID_COLUMNS:
        if name in columns:
            return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in columns[name]]
    return ["sha1-" + _pixels_hash(image) for image in images]


def _pixels_hash(image):
    image = np.ascontiguousarray(image)
    header = ("%s%s" % (image.dtype.str, image.shape)).encode()
    return hashlib.sha1(header + image.tobytes()).hexdigest()[:20]


def _preprocessed(image, preprocess):
    """A `ray.data.read_images` image (uint8 `[H, W, C]` or `[H, W]`) as an image
    folder's would be read: float32 `[H, W, C]`."""
    from PIL import Image

    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(
            "size, scale, mean, std: they preprocess images of uint8 pixels [H, W, C] "
            "or [H, W] (as ray.data.read_images reads them); got %s %s" % (image.dtype, image.shape)
        )
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    pil = Image.fromarray(image)
    pil = pil.convert("L" if pil.mode in ("L", "I;16", "I") else "RGB")
    return preprocess.apply(pil)


def _columns_message(names):
    return (
        "data: a ray.data.Dataset explained needs a column %r of images (and may have %r "
        "and one of %s); it has %s"
        % (IMAGE_COLUMN, LABEL_COLUMN, ", ".join(repr(n) for n in ID_COLUMNS), list(names))
    )


def _written_ids(job):
    """The ids of the images the parts of `job`'s step already hold."""
    location = storage.location(job.logdir)
    where = parts_lib.directory(job.tag, job.step)
    ids = set()
    for name in parts_lib.newest(location.list_names(where)):
        ids.update(parts_lib.image_ids(parts_lib.read(location, where, name)))
    return frozenset(ids)


def _known_count(dataset):
    """How many rows `dataset` has, when Ray knows without running it; else None."""
    try:
        count = dataset._meta_count()
    except Exception:  # a private method of Ray's: only the bar's total depends on it
        return None
    return count if isinstance(count, int) else None


def _resolved(value):
    """`value`, fetched from the object store when it is a reference."""
    ray = sys.modules.get("ray")
    if ray is not None and isinstance(value, ray.ObjectRef):
        return ray.get(value)
    return value


def _limit_threads(threads):
    """Caps the frameworks of this process to `threads` threads each: PyTorch now if
    loaded, TensorFlow when it starts (or now, if it has not started its pools)."""
    for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ[name] = str(threads)
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:  # TensorFlow has started already: the variables above did
            pass


def _import_ray():
    try:
        import ray
        import ray.data
    except ImportError as e:
        raise ImportError(
            "explain_dataset on Ray needs Ray Data, which is not installed: %s" % INSTALL
        ) from e
    return ray


def _connect(ray, options):
    """Connects this process to Ray unless it is: to `options.address`, or else to
    `RAY_ADDRESS` or a new local cluster (which stays up for the next job)."""
    if not ray.is_initialized():
        ray.init(address=options.address)


@contextlib.contextmanager
def _quiet(contexts):
    """Ray Data's own progress bars and execution banners off in `contexts` (Ray Data
    `DataContext`s: a dataset holds its own) while a job runs, as they were after: the
    job's bar counts images."""
    settings = {"enable_progress_bars": False, "print_on_execution_start": False}
    saved = []
    for context in contexts:
        for name, value in settings.items():
            if hasattr(context, name):
                saved.append((context, name, getattr(context, name)))
                setattr(context, name, value)
    try:
        yield
    finally:
        for context, name, value in reversed(saved):
            setattr(context, name, value)


def _check_integer(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("ray_options.%s: expected an integer, got %r" % (name, value))
    if value < minimum:
        raise ValueError(
            "ray_options.%s: expected an integer of at least %d, got %d" % (name, minimum, value)
        )


def _check_number(name, value, positive):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("ray_options.%s: expected a number, got %r" % (name, value))
    if value < 0 or (positive and value == 0):
        raise ValueError(
            "ray_options.%s: expected a %s number, got %r"
            % (name, "positive" if positive else "non-negative", value)
        )
