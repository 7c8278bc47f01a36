"""`explain_dataset`: a whole dataset explained and written as one step in parts."""

import dataclasses
import time

from tensorboard_plugin_saliency.dataset import job as job_lib
from tensorboard_plugin_saliency.dataset import local, models, sources
from tensorboard_plugin_saliency.dataset import progress as progress_lib
from tensorboard_plugin_saliency.faithfulness import logged
from tensorboard_plugin_saliency.methods import table

DEFAULT_METHODS = ("gradients", "integrated_gradients")
ENGINES = ("local", "ray")


@dataclasses.dataclass(frozen=True)
class DatasetSummary:
    """What a dataset job leaves: its step, as written (parts of earlier runs
    included), and what this run did. `explain_dataset` returns it; `str()` gives
    it as one line.

    Example:
      ```python
      from tensorboard_plugin_saliency.dataset import explain_dataset

      summary = explain_dataset(model, images, logdir="logs/val")
      print(summary)  # logs/val: tag 'dataset', step 0: 1000 images; ...
      print(summary.written, summary.images_per_second)
      ```
    """

    logdir: str
    """The log directory written to."""
    tag: str
    """The step's tag."""
    step: int
    """The step written."""
    images: int
    """Images in the step."""
    accuracy: float | None
    """Of the step's labelled images, the share predicted right (None: no labels)."""
    score_means: dict
    """`{mask: {score: mean over the step}}` (empty without faithfulness)."""
    written: int
    """Images this run explained and wrote."""
    skipped: int
    """Images an earlier run had written, skipped."""
    seconds: float
    """This run's time."""

    @property
    def images_per_second(self):
        """Images this run wrote per second of its time (0.0 for no time)."""
        return self.written / self.seconds if self.seconds > 0 else 0.0

    def __str__(self):
        accuracy = "" if self.accuracy is None else ", accuracy %.1f%%" % (100 * self.accuracy)
        resumed = " (%d already written)" % self.skipped if self.skipped else ""
        return "%s: tag %r, step %d: %d images%s; this run wrote %d%s in %.1f s (%.1f images/s)" % (
            self.logdir,
            self.tag,
            self.step,
            self.images,
            accuracy,
            self.written,
            resumed,
            self.seconds,
            self.images_per_second,
        )


def explain_dataset(
    model,
    data,
    *,
    logdir,
    methods=DEFAULT_METHODS,
    tag="dataset",
    step=0,
    faithfulness=None,
    class_names=None,
    batch_size=table.DEFAULT_BATCH_SIZE,
    part_size=job_lib.DEFAULT_PART_SIZE,
    size=None,
    scale=None,
    mean=None,
    std=None,
    engine="local",
    progress=True,
    ray_options=None,
    regions=None,
):
    """Explains every image of `data` with `methods` and writes them as one step of
    `tag` in `logdir`, in parts of `part_size` images; resumes a step begun before.

    Args:
      model: a Keras model or `.keras` file, a `torch.nn.Module` or TorchScript file,
        or a function of no arguments that builds one (`models.load`).
      data: images with their classes (`sources.source_of`): an array or
        `(images, classes)`, a `tf.data.Dataset`, a PyTorch `Dataset` or `DataLoader`,
        any iterable of batches, or an image folder's path (a subfolder per class, or
        a CSV of paths and labels), read in chunks, never whole. Images in the
        model's layout; classes as indices (or one-hot).
      logdir: the run's directory: local, `s3://`, `gs://` (an existing bucket).
      methods: the methods' names, or `{name: params}`, as for the callbacks.
      tag, step: where the step is written.
      faithfulness: deletion / insertion curves to score each mask with, as for the
        callbacks; their means over the step are written as scalars.
      class_names: names of the class indices (an image folder's subfolders name
        them unless given).
      batch_size: largest number of model inputs per model call.
      part_size: images per part.
      size, scale, mean, std: an image folder's preprocessing: resize to `size`
        (height, width), pixels in `[0, scale]` (default 1), minus `mean`, over `std`.
      engine: "local" (this process) or "ray" (a Ray Data actor pool: `ray_engine`);
        a `ray.data.Dataset` as `data` runs on Ray.
      progress: show a progress bar (tqdm) on stderr, with images/s, the time left
        and the accuracy so far.
      ray_options: the Ray engine's settings (`ray_engine.RayOptions` or a dict of
        them: `concurrency`, `num_cpus`, `num_gpus`, `address`, `max_task_retries`,
        `runtime_env`).
      regions: the ground truth of every image, in the data's order (a
        `regions.Regions`; data read by range only: arrays, map-style datasets,
        image folders): stored with the images, outlined by the dashboard, and each
        mask scored for localisation against them (means written as scalars).

    Returns:
      `DatasetSummary` of the step (its `str` is a line: images, accuracy, time).

    Raises:
      ValueError, TypeError: an argument is not what it takes (before anything is
        written).

    Run again with the same arguments, it writes only the parts not yet written: a
    part is written whole or not at all, and written again it replaces itself.

    Example:
      ```python
      from tensorboard_plugin_saliency.dataset import explain_dataset

      summary = explain_dataset(
          model, val_dataset, logdir="logs/val", methods=("gradients", "grad_cam")
      )
      print(summary)  # the step, its images and accuracy, and what this run wrote
      ```
    """
    job_lib.check_settings(tag, step, part_size)
    if engine not in ENGINES:
        raise ValueError("engine: expected one of %s, got %r" % (list(ENGINES), engine))
    chosen = table.settings(methods)
    others = [name for name, params in chosen.items() if not isinstance(params, dict)]
    if others:
        raise TypeError(
            "methods[%r]: a dataset job takes the methods' names and parameters, not "
            "objects" % others[0]
        )
    chosen_faithfulness = logged.settings(faithfulness, regions=regions is not None)
    started = time.perf_counter()
    if engine == "ray" or _is_ray_dataset(data):
        from tensorboard_plugin_saliency.dataset import ray_engine

        return ray_engine.explain(
            model,
            data,
            logdir=logdir,
            methods=chosen,
            tag=tag,
            step=step,
            faithfulness=chosen_faithfulness,
            class_names=class_names,
            batch_size=batch_size,
            part_size=part_size,
            preprocess=dict(size=size, scale=scale, mean=mean, std=std),
            regions=regions,
            progress=progress,
            options=ray_options,
        )
    loaded = models.load(model)
    source = sources.source_of(
        data,
        layout=models.layout(loaded),
        size=size,
        scale=scale,
        mean=mean,
        std=std,
        regions=regions,
    )
    job = make_job(logdir, tag, step, chosen, chosen_faithfulness, class_names, source, part_size)
    done = job_lib.written(job)
    job_lib.check_resumable(job, done)
    bar = progress_lib.Progress(source.length, progress)
    worker = job_lib.PartWorker(job, loaded, batch_size)
    try:
        tally = local.run(job, source, worker, done, bar)
    finally:
        bar.close()
    return finish(job, tally, time.perf_counter() - started)


def make_job(logdir, tag, step, methods, faithfulness, class_names, source, part_size):
    """The `job.Job` of a dataset job over `source`."""
    names = class_names if class_names is not None else source.class_names
    length = source.length
    return job_lib.Job(
        logdir=str(logdir),
        tag=tag,
        step=step,
        methods=methods,
        faithfulness=faithfulness,
        part_size=part_size,
        expected=job_lib.parts_expected(length, part_size),
        class_names=None if names is None else [str(n) for n in names],
        description="Saliency of a dataset%s, written by explain_dataset in parts of %d."
        % ("" if length is None else " of %d images" % length, part_size),
    )


def finish(job, tally, seconds):
    """The `DatasetSummary` of `job` once its parts are written (`tally`: this run's),
    after writing the step's score means as scalars."""
    totals, means = job_lib.step_totals(job)
    job_lib.write_means(job, means)
    return DatasetSummary(
        logdir=job.logdir,
        tag=job.tag,
        step=job.step,
        images=totals.images,
        accuracy=totals.accuracy,
        score_means=means,
        written=tally.images,
        skipped=max(0, totals.images - tally.images),
        seconds=seconds,
    )


def _is_ray_dataset(data):
    import sys

    ray = sys.modules.get("ray")
    return ray is not None and isinstance(data, ray.data.Dataset)
