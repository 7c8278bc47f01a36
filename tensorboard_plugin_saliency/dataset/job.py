"""A dataset job: what it writes, which of its parts are written, and one part done.

Every engine (`local`, `ray_engine`) runs the same `Job` and the same `PartWorker`:
a chunk of images is explained through the logging flow of the callbacks and written
as part `chunk<index>` of one step. The key depends on the chunk's place in the data
only, so a chunk written again (a resumed job, a task Ray retries) replaces its part
and never duplicates it; `written` lists what a resumed job skips. This module
imports neither TensorFlow nor PyTorch.
"""

import dataclasses
import math

import numpy as np

from tensorboard_plugin_saliency import logging_flow, storage, summary, validate
from tensorboard_plugin_saliency import scores as scores_lib
from tensorboard_plugin_saliency.format import parts as parts_lib
from tensorboard_plugin_saliency.methods import frameworks

DEFAULT_PART_SIZE = 256
"""Images per part: one `SaliencyWriter.add` call, one file of pixels."""


@dataclasses.dataclass(frozen=True)
class Job:
    """What a dataset job writes (the same on every worker; picklable)."""

    logdir: str
    tag: str
    step: int
    methods: dict
    """`{method name: params}` (`methods.table.settings`)."""
    faithfulness: dict
    """`{kind: params}` (`faithfulness.logged.settings`), empty for none."""
    part_size: int
    expected: int | None
    """How many parts the step has, when the data's length is known."""
    class_names: list | None = None
    description: str = ""

    def part_key(self, index):
        """The part key of chunk `index`: its place in the data, zero-padded so that
        the parts sort in the data's order."""
        return "chunk%08d" % index


def parts_expected(length, part_size):
    """How many parts `length` images make (None when the length is unknown)."""
    return None if length is None else max(1, math.ceil(length / part_size))


def written(job):
    """`{part key: images}` of the parts of `job`'s step already written."""
    location = storage.location(job.logdir)
    where = parts_lib.directory(job.tag, job.step)
    try:
        names = parts_lib.newest(location.list_names(where))
    except FileNotFoundError:
        return {}
    return {name.key: name.images for name in names}


def check_resumable(job, done):
    """Raises ValueError when the step already holds parts this job would not write:
    other keys (a step written by other means), or other methods."""
    strangers = [key for key in done if not key.startswith("chunk")]
    if strangers:
        raise ValueError(
            "%s, tag %r, step %d already holds parts not written by a dataset job "
            "(%s); choose another tag or step" % (job.logdir, job.tag, job.step, strangers[0])
        )
    if not done:
        return
    location = storage.location(job.logdir)
    where = parts_lib.directory(job.tag, job.step)
    first = parts_lib.newest(location.list_names(where))[0]
    masks = parts_lib.read(location, where, first).mask_names
    if sorted(masks) != sorted(job.methods):
        raise ValueError(
            "%s, tag %r, step %d was written with the methods %s, not %s: run again with "
            "the same methods to resume it, or choose another tag or step"
            % (job.logdir, job.tag, job.step, list(masks), list(job.methods))
        )


class PartWorker:
    """Explains chunks of a dataset with one model and writes each as a part.

    Args:
      job: the `Job`.
      model: the model (`models.load`'s).
      batch_size: largest number of model inputs per model call.
    """

    def __init__(self, job, model, batch_size):
        self.job = job
        self.adapter = frameworks.adapter_for(model, batch_size)
        self._writer = None

    def explain(self, batch):
        """The `logging_flow.Explained` of a `sources.Batch`."""
        labels = None if batch.labels is None else np.asarray(batch.labels, np.int64)
        return logging_flow.explain(
            self.adapter,
            batch.images,
            methods=self.job.methods,
            true_classes=labels,
            faithfulness=self.job.faithfulness or None,
            class_names=self.job.class_names,
            regions=batch.regions,
        )

    def write(self, index, batch, explained):
        """Writes `explained` (of `batch`, chunk `index`) as its part; returns its
        `Tally`."""
        if self._writer is None:
            self._writer = summary.SaliencyWriter(self.job.logdir)
        logging_flow.write(
            self._writer,
            explained,
            self.job.step,
            tag=self.job.tag,
            description=self.job.description,
            ids=batch.ids,
            part=self.job.part_key(index),
            parts=self.job.expected,
        )
        return Tally.of(explained.fields, len(batch.ids))

    def close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


@dataclasses.dataclass
class Tally:
    """What parts hold, added up: images, and of the labelled ones, how many the model
    got right."""

    images: int = 0
    labelled: int = 0
    correct: int = 0

    @classmethod
    def of(cls, fields, images):
        correct = [c for c in (fields or {}).get("correct", []) if c is not None]
        return cls(images, len(correct), int(sum(bool(c) for c in correct)))

    def add(self, other):
        self.images += other.images
        self.labelled += other.labelled
        self.correct += other.correct
        return self

    @property
    def accuracy(self):
        """The share of labelled images predicted right, or None without labels."""
        return self.correct / self.labelled if self.labelled else None


def step_totals(job):
    """`(Tally, {mask: {score: mean}})` of every part of `job`'s step as written: the
    whole step's images, accuracy and score means, however many runs wrote it. Once
    the step has all its parts, the pixel files no part names (left by a run killed
    between writing a part's pixels and its record) are removed."""
    location = storage.location(job.logdir)
    where = parts_lib.directory(job.tag, job.step)
    tally = Tally()
    sums = {}
    named = parts_lib.newest(location.list_names(where))
    kept = set()
    for name in named:
        part = parts_lib.read(location, where, name)
        if part.asset is not None:
            kept.add(part.asset.path)
        fields = [s.fields or {} for s in part.samples]
        tally.add(Tally.of({"correct": [f.get("correct") for f in fields]}, len(fields)))
        for mask, named in part.scores.items():
            for score, values in named.items():
                if score in scores_lib.GROUPS:
                    numbers = [v for v in values if v is not None]
                    total = sums.setdefault(mask, {}).setdefault(score, [0.0, 0])
                    total[0] += math.fsum(numbers)
                    total[1] += len(numbers)
    means = {
        mask: {score: total / count for score, (total, count) in scores.items() if count}
        for mask, scores in sums.items()
    }
    if job.expected is not None and len(named) == job.expected:
        _remove_orphans(location, job, kept)
    return tally, means


def _remove_orphans(location, job, kept):
    """Deletes the pixel files of `job`'s step that no part record in `kept` names."""
    directory = parts_lib.directory(job.tag, job.step).rpartition("/")[0]
    prefix = "%d-" % job.step
    for name in location.list_names(directory):
        path = "%s/%s" % (directory, name)
        if name.startswith(prefix) and name.endswith(".bin") and path not in kept:
            location.delete(path)


def write_means(job, means):
    """Writes the step's score means as the scalars the callbacks write per batch."""
    if not any(means.values()):
        return
    with summary.SaliencyWriter(job.logdir) as writer:
        logging_flow.write_means(writer, means, job.step, tag=job.tag)


def check_settings(tag, step, part_size):
    """Raises ValueError / TypeError for a tag, step or part size a job cannot write."""
    validate.integer("step", step, minimum=0)
    validate.integer("part_size", part_size, minimum=1)
    if not isinstance(tag, str) or not tag:
        raise ValueError("tag: expected a non-empty string, got %r" % (tag,))
