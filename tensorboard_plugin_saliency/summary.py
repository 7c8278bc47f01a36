"""Writers of saliency summaries: a TF2 op, a TF-free proto, and a writer for any target.

- `saliency(...)`: TensorFlow 2 op in the style of `tf.summary.image`.
- `saliency_pb(...)`: a `Summary` proto, without TensorFlow.
- `SaliencyWriter(target)`: writes to a log directory (no TensorFlow), or through a
  `torch.utils.tensorboard.SummaryWriter` or a `tensorboardX.SummaryWriter`, with each
  summary's images and masks in a file beside the event files (`assets`), so that
  TensorBoard holds only the small manifest of each step in memory.

The TF2 op and `saliency_pb` cannot know where their event file lives: their
summaries hold their pixels (formats 1 and 2), as `SaliencyWriter(assets=False)`.
"""

import dataclasses
import os
import time

import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.scalar import metadata as scalar_metadata
from tensorboard.util import tensor_util

from tensorboard_plugin_saliency import arrays, event_writer, storage, validate
from tensorboard_plugin_saliency.format import assets, encoding, metadata
from tensorboard_plugin_saliency.format import parts as parts_lib
from tensorboard_plugin_saliency.format.manifest import PartInfo


def _blob_tensor_proto(blobs):
    """Rank-1 string `TensorProto` with its shape set, one element a blob."""
    array = np.empty(len(blobs), dtype=object)
    array[:] = blobs
    return tensor_util.make_tensor_proto(array)


def saliency_pb(
    tag,
    image,
    masks,
    *,
    labels=None,
    description=None,
    max_outputs=None,
    method_params=None,
    channel_reduction="sum",
    scores=None,
    fields=None,
    class_names=None,
    ids=None,
    regions=None,
):
    """A `Summary` proto holding a batch of images with their saliency masks.

    Args:
      tag: the summary's tag.
      image: `[H,W]`, `[H,W,C]` or a batch `[N,H,W,C]`, C in {1,3,4}; uint8 in 0..255
        or float in [0,1]; a NumPy array, TF tensor or torch tensor.
      masks: one array, or a dict `{method name: array}`; each `[h,w]`, `[h,w,C]`, or
        batched `[N,h,w]` / `[N,h,w,C]` / `[N,C,h,w]`. Stored at its own size.
      labels: optional string per image.
      description: optional Markdown description of the tag.
      max_outputs: keep only the first `max_outputs` images of the batch (at least 1);
        None, the default, keeps the whole batch. A cut batch is logged once per tag.
      method_params: optional `{mask name: dict}` of method parameters (provenance).
      channel_reduction: `"sum"` (signed), `"abs_sum"` or `"max_abs"`.
      scores: optional `{mask name: {score name: values}}`, one number or curve (a
        list of numbers) per image: how far to trust each mask, e.g.
        `{"smoothgrad": {"deletion_auc": [0.12, 0.31]}}` (see `scores`).
      fields: optional `{name: one value per image}`, typed per-image fields (see
        `SaliencyWriter.add`); captions are made from them unless `labels` are given.
      class_names: optional names of the class indices in `fields`.
      ids: optional distinct id per image.
      regions: optional ground truth of the images, a `regions.Regions` (or a dict
        of its fields): a binary mask or a label map `[N, H, W]` of the images' size,
        and boxes with their classes; the dashboard outlines them.

    Returns:
      A `tensorboard.compat.proto.summary_pb2.Summary` with one value under `tag`,
      holding the images and masks (formats 1 and 2).

    Raises:
      ValueError, TypeError: for bad input; the message names the argument.

    Example:
      ```python
      import numpy as np
      from tensorboard_plugin_saliency.summary import saliency_pb

      images = np.random.rand(2, 32, 32, 3).astype(np.float32)
      masks = {"gradients": np.random.rand(2, 32, 32).astype(np.float32)}
      proto = saliency_pb("saliency", images, masks, labels=["cat", "dog"])
      event_writer.add_summary(proto, global_step=10)  # any TensorBoard event writer
      ```
    """
    arrays.check_tag(tag)
    blobs = encoding.encode_summary(
        image,
        masks,
        labels=labels,
        max_outputs=max_outputs,
        method_params=method_params,
        channel_reduction=channel_reduction,
        tag=tag,
        scores=scores,
        fields=fields,
        class_names=class_names,
        ids=ids,
        regions=regions,
    )
    return _summary(tag, blobs, description)


def _summary(tag, blobs, description):
    """A `Summary` proto holding one saliency value: `blobs` under `tag`."""
    summary = summary_pb2.Summary()
    summary.value.add(
        tag=tag,
        metadata=metadata.create_summary_metadata(description),
        tensor=_blob_tensor_proto(blobs),
    )
    return summary


def saliency(
    name,
    image,
    masks,
    step=None,
    *,
    labels=None,
    description=None,
    max_outputs=None,
    method_params=None,
    channel_reduction="sum",
    scores=None,
    regions=None,
):
    """Writes a saliency summary to the default TF2 summary writer.

    Takes the arguments of `saliency_pb` (with `name` in place of `tag`, scoped like
    `tf.summary.image`) plus `step`. Works eagerly and inside `tf.function`
    (where the encoding runs through `tf.numpy_function`).

    Args:
      name: the summary's name; its tag is `name` in the enclosing name scopes.
      image, masks, labels, description, max_outputs, method_params: as in
        `saliency_pb`.
      channel_reduction, scores, regions: as in `saliency_pb` (NumPy values: inside a
        `tf.function` they are the traced function's constants).
      step: the step; None: `tf.summary.experimental.get_step()`.

    Returns:
      True on success, False if no default summary writer is set.

    Raises:
      ValueError, TypeError: for bad input; the message names the argument.

    Example:
      ```python
      import tensorflow as tf
      from tensorboard_plugin_saliency import methods
      from tensorboard_plugin_saliency.summary import saliency

      masks = {"smoothgrad": methods.smoothgrad(model, images)}
      with tf.summary.create_file_writer("logs/train").as_default():
          saliency("saliency", images, masks, step=epoch)
      ```
    """
    import tensorflow as tf  # Only this function needs TensorFlow.

    if max_outputs is not None:
        arrays.check_max_outputs(max_outputs)
    validate.choice("channel_reduction", channel_reduction, arrays.CHANNEL_REDUCTIONS)
    mask_names = list(masks) if isinstance(masks, dict) else None
    mask_values = list(masks.values()) if mask_names is not None else [masks]
    summary_metadata = metadata.create_summary_metadata(description)

    def encode(image_value, label_value, *mask_arrays):
        mask_arg = dict(zip(mask_names, mask_arrays)) if mask_names else mask_arrays[0]
        label_arg = None if labels is None else label_value
        return np.array(
            encoding.encode_summary(
                image_value,
                mask_arg,
                labels=label_arg,
                max_outputs=max_outputs,
                method_params=method_params,
                channel_reduction=channel_reduction,
                tag=name,
                scores=scores,
                regions=regions,
            ),
            dtype=object,
        )

    with tf.summary.experimental.summary_scope(name, "saliency_summary", values=[image, step]) as (
        tag,
        _,
    ):

        def blob_tensor():
            label_value = "" if labels is None else labels
            if tf.executing_eagerly():
                return tf.constant(encode(image, label_value, *mask_values))
            result = tf.numpy_function(
                encode, [image, label_value] + mask_values, tf.string, stateful=False
            )
            result.set_shape([None])
            return result

        return tf.summary.write(tag=tag, tensor=blob_tensor, step=step, metadata=summary_metadata)


def _writer_directory(writer):
    """The log directory of a torch or tensorboardX `SummaryWriter`, or None."""
    get = getattr(writer, "get_logdir", None)  # torch.utils.tensorboard
    directory = get() if callable(get) else getattr(writer, "logdir", None)  # tensorboardX
    return os.fspath(directory) if directory else None


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError("value: expected a number, got %r" % (value,)) from None


class SaliencyWriter:
    """Writes saliency summaries to a log directory or through another writer.

    `target` is a log directory (event files are written without TensorFlow), a
    `torch.utils.tensorboard.SummaryWriter`, or a `tensorboardX.SummaryWriter`. A
    writer passed in stays the caller's: `close()` flushes it but leaves it open.

    With `assets=True` (the default) each summary's images and masks go to a file
    below the run's directory, `plugins/saliency/` (see `assets`), written whole
    before the event that names it; `assets=False` keeps them in the event file
    (format 1 and 2, as plugin versions before 3 read).

    With asset files, every `add` writes a part of its step (format 5, see
    `format/parts.py`): several calls for one step, from this process or others, make
    one step. `parts=False` writes one record per call instead (format 4, as plugin
    versions 3 and 4 read), where TensorBoard shows the last call of a step only.

    Args:
      target: a log directory (a local path or a URL, see `storage`), or a
        `torch.utils.tensorboard` or `tensorboardX` `SummaryWriter`.
      assets: write images and masks to asset files beside the event files (format 3
        and up); False: into the summaries.
      parts: with asset files, write each `add` as a part of its step (format 5).

    Raises:
      TypeError: `target` is neither a path nor a supported `SummaryWriter`.
      ValueError: `target` is a file.
      storage.StorageError: a URL that cannot be written here.

    Example:
      ```python
      import numpy as np
      from tensorboard_plugin_saliency.summary import SaliencyWriter

      images = np.random.rand(4, 32, 32, 3).astype(np.float32)
      masks = {"gradients": np.random.rand(4, 32, 32).astype(np.float32)}
      with SaliencyWriter("logs/train") as writer:
          writer.add("saliency", images, masks, step=0, labels=["a", "b", "c", "d"])
      ```
    """

    def __init__(self, target, *, assets=True, parts=True):
        self._owned = None
        self._add_summary = None
        self._run_directory = None
        if isinstance(target, (str, os.PathLike)):
            path = os.fspath(target)
            if storage.location(path).exists_as_file():
                raise ValueError("target: expected a log directory, got %r, which is a file" % path)
            self._owned = event_writer.EventFileWriter(path)
            self._add_summary = self._write_event
            self._run_directory = path
        elif hasattr(target, "_get_file_writer"):
            module = type(target).__module__
            if module.startswith("tensorboardX"):
                from tensorboardX.proto import summary_pb2 as tbx_summary_pb2

                def convert(summary):
                    return tbx_summary_pb2.Summary.FromString(summary.SerializeToString())
            elif module.startswith("torch"):

                def convert(summary):
                    return summary
            else:
                raise TypeError(
                    "target: expected a log directory, a torch.utils.tensorboard or a "
                    "tensorboardX SummaryWriter, got %s.%s" % (module, type(target).__name__)
                )
            file_writer = target._get_file_writer
            self._run_directory = _writer_directory(target)

            def add(summary, step, walltime):
                file_writer().add_summary(convert(summary), step, walltime)

            self._add_summary = add
        else:
            raise TypeError(
                "target: expected a log directory, a torch.utils.tensorboard or a "
                "tensorboardX SummaryWriter, got %s" % type(target).__name__
            )
        self._target = target
        self._closed = False
        self._parts = bool(parts)
        if not assets:
            self._run_directory = None

    @property
    def run_directory(self):
        """The directory (or URL) asset files go below, or None when summaries hold
        their pixels."""
        return self._run_directory

    def _write_event(self, summary, step, walltime):
        self._owned.add_event(event_pb2.Event(wall_time=walltime, step=step, summary=summary))

    def add(
        self,
        tag,
        image,
        masks,
        step,
        *,
        labels=None,
        description=None,
        max_outputs=None,
        method_params=None,
        channel_reduction="sum",
        scores=None,
        walltime=None,
        fields=None,
        class_names=None,
        ids=None,
        part=None,
        parts=None,
        regions=None,
    ):
        """Writes one saliency summary at `step`, or one part of it; arguments as in
        `saliency_pb` (listed briefly here), and `step`, `walltime` and the parts.

        Args:
          tag: the summary's tag.
          image: the image or batch `[N,H,W,C]`, as in `saliency_pb`.
          masks: one array, or a dict `{method name: array}`, as in `saliency_pb`.
          step: the step, an integer.
          labels: optional string per image, its caption.
          description: optional Markdown description of the tag.
          max_outputs: keep only the first `max_outputs` images (None: all of them).
          method_params: optional `{mask name: dict}` of method parameters.
          channel_reduction: `"sum"` (signed), `"abs_sum"` or `"max_abs"`.
          scores: optional `{mask name: {score name: values}}`, one number or curve
            per image (see `saliency_pb`).
          walltime: seconds since the epoch; None: now.
          fields: `{name: one value per image}`: `true` and `predicted` class indices,
            `confidence`, `loss`, `correct`, `probabilities` `[N, classes]`, and any
            field of the user's own (numbers, true/false or text); None: missing.
            Captions are made from them unless `labels` are given.
          class_names: the names of the class indices.
          ids: one distinct id per image (default: `<part key>:<position>`).
          part: the key of this part of the step (1 to 64 letters, digits, '_' or
            '-'). Several calls, in this process or others, with different keys write
            one step holding all their images, ordered by key; a key written again
            replaces its images. None: a new key, after those written before.
          parts: how many parts the step has, if known (the page says how many have
            arrived).
          regions: the images' ground truth, a `regions.Regions` (see `saliency_pb`).

        A writer with asset files writes every call as a part (format 5); one that
        writes its pixels into the summary (`assets=False`, a PyTorch or
        tensorboardX writer without a log directory) writes one record per call and
        takes no `part`.

        Raises:
          ValueError: the writer is closed; `part` or `parts` given to a writer that
            does not write parts; bad input (the message names the argument).
          TypeError: bad input; the message names the argument.

        Example:
          ```python
          # Two processes (or calls) write one step of 8 images in two parts.
          writer.add("val", images[:4], masks_a, step=3, part="rank0", parts=2)
          writer.add("val", images[4:], masks_b, step=3, part="rank1", parts=2)
          ```
        """
        if self._closed:
            raise ValueError("SaliencyWriter: add() after close()")
        validate.integer("step", step)
        arrays.check_tag(tag)
        parts_lib.check_expected(parts)
        if part is not None:
            parts_lib.check_key(part)
        manifest, pixel_blobs = encoding.encode_parts(
            image,
            masks,
            labels=labels,
            max_outputs=max_outputs,
            method_params=method_params,
            channel_reduction=channel_reduction,
            tag=tag,
            scores=scores,
            fields=fields,
            class_names=class_names,
            ids=ids,
            regions=regions,
        )
        if self._run_directory is None or not self._parts:
            if part is not None or parts is not None:
                raise ValueError(
                    "part, parts: a step in parts needs asset files: write with "
                    "SaliencyWriter(logdir) (assets=True, parts=True)"
                )
        if self._run_directory is None:
            blobs = [manifest.to_json()] + pixel_blobs
        elif not self._parts:
            manifest, data = assets.pack(manifest, pixel_blobs, tag, int(step))
            assets.write(self._run_directory, manifest.asset, data)
            blobs = [manifest.to_json()]
        else:  # pixels, then the part record, whole on disk before the record naming them
            manifest, data = assets.pack(manifest, pixel_blobs, tag, int(step))
            manifest = dataclasses.replace(
                manifest, part=PartInfo(part or parts_lib.new_key(), parts)
            )
            location = storage.location(self._run_directory)
            assets.write(self._run_directory, manifest.asset, data)
            parts_lib.write(location, manifest, tag, int(step))
            blobs = [parts_lib.step_manifest(manifest, tag, int(step)).to_json()]
        summary = _summary(tag, blobs, description)
        self._add_summary(summary, int(step), time.time() if walltime is None else float(walltime))

    def add_scalar(self, tag, value, step, *, walltime=None):
        """Writes `value` (a finite number) at `step` for TensorBoard's Scalars tab.

        Args:
          tag: the scalar's tag.
          value: a finite number.
          step: the step, an integer.
          walltime: seconds since the epoch; None: now.

        Raises:
          ValueError: the writer is closed, or `value` is not finite.
          TypeError: `value` is not a number, or `step` not an integer.
        """
        if self._closed:
            raise ValueError("SaliencyWriter: add_scalar() after close()")
        arrays.check_tag(tag)
        validate.integer("step", step)
        if isinstance(value, bool) or not np.isfinite(_number(value)):
            raise ValueError("value: expected a finite number, got %r" % (value,))
        summary = summary_pb2.Summary()
        summary.value.add(
            tag=tag,
            metadata=scalar_metadata.create_summary_metadata(display_name=tag, description=""),
            tensor=tensor_util.make_tensor_proto(np.float32(value)),
        )
        self._add_summary(summary, int(step), time.time() if walltime is None else float(walltime))

    def flush(self):
        """Writes buffered events to disk."""
        (self._owned or self._target).flush()

    def close(self):
        """Flushes; closes the event file this writer opened itself."""
        if self._closed:
            return
        self.flush()
        if self._owned is not None:
            self._owned.close()
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
