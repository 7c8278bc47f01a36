"""Reads saliency summaries back from a log directory into NumPy, for notebooks and tests.

`load_logdir` is the one way this package opens a log directory (the reader and
`tensorboard-saliency render` both use it): TensorBoard's own event multiplexer,
every step kept. A log directory at a URL (`s3://`, `gs://`, `memory://`, ...;
see `storage.py`) is read the same way after its event files are copied to a
temporary directory: TensorBoard's loaders read through TensorFlow's file system
when TensorFlow is installed, which has no `s3://` or `memory://`.

A summary whose images and masks live in an asset file (formats 3 and 4, `assets`) is
read from its run's directory: `run_directory(logdir, multiplexer, run)` says where.
"""

import dataclasses
import os
import sys
import tempfile
import types

import numpy as np
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.util import tensor_util

from tensorboard_plugin_saliency import storage
from tensorboard_plugin_saliency.format import encoding, metadata


@dataclasses.dataclass
class SaliencyRecord:
    """One saliency summary: a batch of images with their masks, at one step.

    Attributes:
      run: the run's name, relative to the log directory ("." for the directory itself).
      tag: the summary's tag.
      step: the step it was written at.
      wall_time: when it was written, in seconds since the epoch.
      images: uint8 `[N, H, W, C]`.
      masks: `{mask name: float32 [N, h, w]}`.
      labels: one string per image, or None.
      method_params: `{mask name: dict}`, the methods' parameters as written.
      description: the tag's Markdown description.
      scores: `{mask name: {score name: array}}`.
      fields: one `{name: value}` per image.
      ids: one id per image.
      class_names: the names of the class indices in `fields`, or None.
      parts: (parts of the step found, parts its writers said it has or None).
      regions: one `regions.ImageRegion` (the image's ground truth) or None per image.

    Example:
      ```python
      from tensorboard_plugin_saliency import reader

      record = reader.read_saliency("logs", tag="saliency")[-1]
      print(record.step, record.images.shape, list(record.masks))
      ```
    """

    run: str
    tag: str
    step: int
    wall_time: float
    images: np.ndarray  # uint8 [N, H, W, C]
    masks: dict  # mask name -> float32 [N, h, w]
    labels: list  # one string per image, or None
    method_params: dict  # mask name -> dict
    description: str = ""
    scores: dict = dataclasses.field(default_factory=dict)  # mask -> score name -> array
    fields: list = dataclasses.field(default_factory=list)
    """One `{name: value}` per image: its typed fields (`format/fields.py`)."""
    ids: list = dataclasses.field(default_factory=list)
    """One id per image (None for images of steps written before format 5)."""
    class_names: list | None = None
    """The names of the class indices in `fields`, if written."""
    parts: tuple = (1, None)
    """(parts of the step found, parts its writers said it has or None)."""
    regions: list = dataclasses.field(default_factory=list)
    """One `regions.ImageRegion` or None per image: its ground truth (format 6);
    `regions.region_of(record.regions[i], c, size)` is its region of class `c`."""


def without_tensorflow():
    """Makes TensorBoard read event files with its own stub rather than TensorFlow, unless
    TensorFlow is loaded already.

    TensorBoard's loaders reach the file system through `tensorboard.compat.tf`, which
    imports TensorFlow when it is installed (seconds, and in a PyTorch process a crash
    once torchvision loads after it); it picks its stub when `tensorboard.compat.notf`
    can be imported. Local event files need nothing more.

    Example:
      ```python
      from tensorboard_plugin_saliency import reader

      reader.without_tensorflow()  # before anything imports tensorboard.compat.tf
      ```
    """
    if "tensorflow" not in sys.modules:
        sys.modules.setdefault(
            "tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf")
        )


def load_logdir(logdir, *, run=None):
    """An `EventMultiplexer` over `logdir` that keeps every saliency step, loaded.

    Args:
      logdir: the log directory.
      run: only this run (a path relative to `logdir`, "." for `logdir` itself),
        or None for every run below `logdir`.

    Raises:
      ValueError: `logdir` is not a directory, or `run` is not one below it.
      storage.StorageError: a URL that cannot be read here, and what to install.

    Returns:
      A TensorBoard `EventMultiplexer`, its runs reloaded. A URL's event files are
      read from a temporary copy.

    Example:
      ```python
      from tensorboard_plugin_saliency import reader

      multiplexer = reader.load_logdir("logs")
      print(multiplexer.PluginRunToTagToContent("saliency"))
      ```
    """
    logdir = os.fspath(logdir)
    location = storage.location(logdir)
    if location.is_url:
        with tempfile.TemporaryDirectory(prefix="saliency-logdir-") as local:
            _copy_event_files(location, local, run)
            return load_logdir(local, run=run)  # the multiplexer keeps what it read
    if not os.path.isdir(logdir):
        what = "a file" if os.path.exists(logdir) else "not found"
        raise ValueError("logdir: expected a log directory, got %r (%s)" % (logdir, what))
    without_tensorflow()  # a local directory: TensorBoard's stub reads it
    multiplexer = plugin_event_multiplexer.EventMultiplexer(
        tensor_size_guidance={metadata.PLUGIN_NAME: 0}
    )
    if run is None:
        multiplexer.AddRunsFromDirectory(logdir)
    else:
        path = os.path.normpath(os.path.join(logdir, run))
        if os.path.isabs(run) or not os.path.isdir(path):
            raise ValueError("run: no run %r under %s" % (run, logdir))
        multiplexer.AddRun(path, name=run)
    multiplexer.Reload()
    return multiplexer


def _copy_event_files(location, local, run):
    """Copies the event files of `location` (of `run` only, if given) below `local`."""
    files = location.event_files()
    if not files:
        raise ValueError(
            "logdir: expected a log directory, got %r (no event files)" % location.path
        )
    prefix = None if run in (None, ".") else run.strip("/") + "/"
    for relative in files:
        if prefix and not relative.startswith(prefix):
            continue
        if run == "." and "/" in relative:
            continue
        path = os.path.join(local, *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(location.read(relative))


def run_directory(logdir, multiplexer, run):
    """The directory (or URL) that holds the event files of `run` of `logdir`, as
    loaded by `load_logdir` into `multiplexer`; asset paths are relative to it.

    Args:
      logdir: the log directory given to `load_logdir`.
      multiplexer: the `EventMultiplexer` `load_logdir` returned.
      run: a run's name, relative to `logdir`.

    Returns:
      A path, or a URL when `logdir` is one.

    Example:
      ```python
      from tensorboard_plugin_saliency import reader

      multiplexer = reader.load_logdir("logs")
      directory = reader.run_directory("logs", multiplexer, "train")
      ```
    """
    logdir = os.fspath(logdir)
    location = storage.location(logdir)
    if location.is_url:  # the multiplexer read a temporary copy
        return logdir if run == "." else location.join(*run.split("/"))
    path = multiplexer.RunPaths().get(run)
    return path if path is not None else os.path.join(logdir, run)


def decode_blobs(blobs, run_directory=None):
    """`(images, masks, labels, method_params)` of one summary's blob list.

    Args:
      blobs: the summary's tensor, as a list of `bytes`.
      run_directory: the run's directory (or URL), needed for a summary that keeps
        its pixels in an asset file (formats 3 and 4; see `run_directory`).

    Returns:
      `(images, masks, labels, method_params)`, as in `SaliencyRecord`.

    Example:
      ```python
      from tensorboard.util import tensor_util
      from tensorboard_plugin_saliency import reader

      multiplexer = reader.load_logdir("logs")
      event = multiplexer.Tensors("train", "saliency")[0]
      blobs = list(tensor_util.make_ndarray(event.tensor_proto).reshape(-1))
      directory = reader.run_directory("logs", multiplexer, "train")
      images, masks, labels, params = reader.decode_blobs(blobs, directory)
      ```
    """
    decoded = encoding.decode_summary(blobs, run_directory)
    return decoded.images, decoded.masks, decoded.labels, decoded.method_params


def _in_parts(blobs):
    """Whether a summary's blobs are the record of a step written in parts."""
    return len(blobs) == 1 and b'"parts"' in bytes(blobs[0])


def read_saliency(logdir, *, run=None, tag=None):
    """Every saliency summary under `logdir`, as `SaliencyRecord`s.

    Args:
      logdir: the log directory, a local path or a URL (`s3://`, `gs://`, ...).
      run: only the records of this run (its name relative to `logdir`, "." for the
        directory itself); None: every run.
      tag: only the records of this tag; None: every tag.

    Returns:
      A list of `SaliencyRecord`, sorted by run, tag and step.

    Raises:
      ValueError: `logdir` is not a directory (or holds no event files).
      storage.StorageError: a URL that cannot be read here, and what to install.
      assets.AssetError: a summary's asset file is missing or damaged (the message
        names the file).

    Example:
      ```python
      from tensorboard_plugin_saliency import reader

      for record in reader.read_saliency("logs", tag="saliency"):
          print(record.run, record.step, record.images.shape, sorted(record.masks))
      ```
    """
    multiplexer = load_logdir(logdir)
    records = []
    tags_by_run = multiplexer.PluginRunToTagToContent(metadata.PLUGIN_NAME)
    for run_name in sorted(tags_by_run):
        if run is not None and run_name != run:
            continue
        for tag_name in sorted(tags_by_run[run_name]):
            if tag is not None and tag_name != tag:
                continue
            description = multiplexer.SummaryMetadata(run_name, tag_name).summary_description
            directory = run_directory(logdir, multiplexer, run_name)
            parted = set()  # steps in parts: every writer wrote the same record
            for event in multiplexer.Tensors(run_name, tag_name):
                blobs = list(tensor_util.make_ndarray(event.tensor_proto).reshape(-1))
                if event.step in parted and _in_parts(blobs):
                    continue
                decoded = encoding.decode_summary(blobs, directory)
                if decoded.manifest.part is not None:
                    parted.add(event.step)
                records.append(
                    SaliencyRecord(
                        run=run_name,
                        tag=tag_name,
                        step=event.step,
                        wall_time=event.wall_time,
                        images=decoded.images,
                        masks=decoded.masks,
                        labels=decoded.labels,
                        method_params=decoded.method_params,
                        description=description,
                        scores=decoded.scores,
                        fields=decoded.fields,
                        ids=decoded.ids,
                        class_names=decoded.class_names,
                        parts=decoded.parts,
                        regions=decoded.regions,
                    )
                )
    records.sort(key=lambda r: (r.run, r.tag, r.step))
    return records
