"""What `explain_dataset` reads: a dataset as chunks of images in the model's layout.

A source says how many images it has (None when it cannot know: a stream) and yields
its images as consecutive `Chunk`s of `part_size` images (the last one shorter), each
of which becomes one part of the step. A chunk of a source that can read any range
(arrays, a PyTorch `Dataset`, an image folder) is read only when `load` is called, so
a resumed job skips written parts without reading them; a stream (a `tf.data.Dataset`,
a `DataLoader`, any iterable of batches) is read as it goes.

This module imports neither TensorFlow nor PyTorch: a framework's data is recognised
by the module that made it, already imported by the caller.
"""

import abc
import copy
import dataclasses
import itertools
import os
import sys
from collections.abc import Callable, Iterator

import numpy as np

from tensorboard_plugin_saliency import regions as regions_lib
from tensorboard_plugin_saliency.dataset import folder as folder_lib


@dataclasses.dataclass(frozen=True)
class Batch:
    """Images with what the data says of them."""

    images: np.ndarray
    """The model inputs `[N, ...]`, in the model's layout."""
    labels: np.ndarray | None
    """Each image's true class `[N]`, or None when the data has none."""
    ids: list
    """Each image's id: its path in an image folder, else its position in the data."""
    regions: object = None
    """The images' ground truth (`regions.Regions`), or None."""


@dataclasses.dataclass(frozen=True)
class Chunk:
    """One part's worth of a dataset: images `start` to `start + count` (the count
    of a stream's chunk is known once read)."""

    index: int
    start: int
    load: Callable[[], Batch]


class Source(abc.ABC):
    """A dataset read in chunks."""

    class_names: list | None = None
    """The names of the class indices, when the data has them (an image folder's)."""

    def __len__(self):
        raise TypeError("a stream has no length")

    @property
    def length(self):
        """How many images, or None for a stream."""
        try:
            return len(self)
        except TypeError:
            return None

    @abc.abstractmethod
    def chunks(self, part_size) -> Iterator[Chunk]:
        """Consecutive chunks of `part_size` images (the last may be shorter)."""


class _Ranged(Source):
    """A source that reads any range of its images: `read(start, stop) -> Batch`.
    Its `regions` (a `regions.Regions` for every image, or None) go with each batch."""

    regions = None

    def _regioned(self, batch, start, stop):
        """`batch` (images `start` to `stop`) with their regions."""
        if self.regions is None:
            return batch
        return dataclasses.replace(
            batch, regions=regions_lib.select(self.regions, slice(start, stop))
        )

    def chunks(self, part_size):
        for index, start in enumerate(range(0, len(self), part_size)):
            stop = min(start + part_size, len(self))
            yield Chunk(index, start, lambda start=start, stop=stop: self.read(start, stop))


class ArraySource(_Ranged):
    """Images in an array `[N, ...]`, with an optional array of classes `[N]`."""

    def __init__(self, images, labels=None):
        self.images = images
        self.labels = None if labels is None else np.asarray(labels).reshape(-1)
        if self.labels is not None and len(self.labels) != len(images):
            raise ValueError(
                "data: expected one label per image, got %d labels for %d images"
                % (len(self.labels), len(images))
            )

    def __len__(self):
        return len(self.images)

    def read(self, start, stop):
        labels = None if self.labels is None else self.labels[start:stop]
        batch = Batch(np.asarray(self.images[start:stop]), labels, _positions(start, stop))
        return self._regioned(batch, start, stop)


class ItemSource(_Ranged):
    """A map-style dataset (`len` and `[i]`: a PyTorch `Dataset`), each item an image
    or `(image, class, ...)`."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def read(self, start, stop):
        batch = _stacked([self.dataset[i] for i in range(start, stop)], start)
        return self._regioned(batch, start, stop)


class StreamSource(Source):
    """Any iterable of batches (a `tf.data.Dataset` batched or not, a `DataLoader`):
    each an array of images or `(images, classes, ...)`; `batched=False` when each
    element is one image."""

    def __init__(self, stream, batched=True, length=None):
        self.stream = stream
        self.batched = batched
        self._length = length

    def __len__(self):
        if self._length is None:
            raise TypeError("a stream has no length")
        return self._length

    def chunks(self, part_size):
        batches = (
            _split(_numpy(item)) if self.batched else _split(_stacked_item(item))
            for item in self.stream
        )
        start = 0
        held_images, held_labels = [], []
        held = 0
        for index in itertools.count():
            while held < part_size:
                try:
                    images, labels = next(batches)
                except StopIteration:
                    break
                held_images.append(images)
                held_labels.append(labels)
                held += len(images)
            if held == 0:
                return
            images = np.concatenate(held_images)
            labels = _concatenate_labels(held_labels)
            batch = Batch(
                images[:part_size],
                None if labels is None else labels[:part_size],
                _positions(start, start + min(part_size, held)),
            )
            rest = images[part_size:]
            held_images = [rest] if len(rest) else []
            held_labels = [labels[part_size:]] if labels is not None and len(rest) else []
            held = len(rest)
            yield Chunk(index, start, lambda batch=batch: batch)
            start += len(batch.images)


def source_of(data, *, layout, size=None, scale=None, mean=None, std=None, regions=None):
    """The `Source` of `data`, with `regions` for its images.

    Args:
      data: an array `[N, ...]` or `(images, classes)`; a `tf.data.Dataset`; a PyTorch
        `Dataset` or `DataLoader`; any iterable of batches; an image folder (a path:
        a directory with a subfolder per class, or a CSV of paths and classes); or a
        `Source`.
      layout: "channels_last" (Keras) or "channels_first" (PyTorch): an image folder's
        images are read so.
      size, scale, mean, std: an image folder's preprocessing (`folder.Preprocess`).
      regions: a `regions.Regions` of every image, in the data's order, or None;
        only data read by range (arrays, map-style datasets, image folders) takes it.
    """
    source = _source_of(data, layout, size, scale, mean, std)
    if regions is None:
        return source
    if not isinstance(source, _Ranged):
        raise ValueError(
            "regions: a stream's images cannot be matched with regions; give the data "
            "as an array, a map-style dataset (len and [i]) or an image folder"
        )
    length = len(source)
    for f in dataclasses.fields(regions_lib.Regions):
        value = (
            getattr(regions, f.name, None) if not isinstance(regions, dict) else regions.get(f.name)
        )
        if value is not None and len(value) != length:
            raise ValueError(
                "regions.%s: expected one entry per image of the data (%d), got %d"
                % (f.name, length, len(value))
            )
    source = copy.copy(source)
    source.regions = regions
    return source


def _source_of(data, layout, size, scale, mean, std):
    if isinstance(data, Source):
        return data
    if isinstance(data, (str, os.PathLike)):
        preprocess = folder_lib.Preprocess(size=size, scale=scale, mean=mean, std=std)
        return FolderSource(os.fspath(data), preprocess, layout)
    if any(v is not None for v in (size, scale, mean, std)):
        raise ValueError(
            "size, scale, mean, std: they preprocess an image folder's images; "
            "got data of type %s, which is read as it is" % type(data).__name__
        )
    if isinstance(data, np.ndarray):
        return ArraySource(data)
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], np.ndarray):
        return ArraySource(data[0], data[1])
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(data, tf.data.Dataset):
        return _tf_source(tf, data)
    torch = sys.modules.get("torch")
    if torch is not None:
        if isinstance(data, torch.utils.data.DataLoader):
            return StreamSource(data, True, _dataloader_length(data))
        if isinstance(data, torch.Tensor):
            return ArraySource(data.detach().cpu().numpy())
        if isinstance(data, torch.utils.data.Dataset) and hasattr(data, "__len__"):
            return ItemSource(data)
    if hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        return ItemSource(data)
    if hasattr(data, "__iter__"):
        return StreamSource(data, True)
    raise TypeError(
        "data: expected an array, (images, classes), a tf.data.Dataset, a PyTorch "
        "Dataset or DataLoader, an iterable of batches or an image folder's path; got %s"
        % type(data).__name__
    )


class FolderSource(_Ranged):
    """An image folder (`folder.list_images`), read and preprocessed per chunk."""

    def __init__(self, path, preprocess, layout):
        self.listing = folder_lib.list_images(path)
        self.class_names = self.listing.class_names
        self.preprocess = preprocess
        self.layout = layout

    def __len__(self):
        return len(self.listing.paths)

    def read(self, start, stop):
        images = folder_lib.read_images(self.listing.paths[start:stop], self.preprocess)
        if self.layout == "channels_first":
            images = images.transpose(0, 3, 1, 2)
        labels = None if self.listing.labels is None else self.listing.labels[start:stop]
        batch = Batch(np.ascontiguousarray(images), labels, self.listing.ids[start:stop])
        return self._regioned(batch, start, stop)


def _tf_source(tf, dataset):
    """A `tf.data.Dataset` of images or `(images, classes)`, batched or not."""
    spec = dataset.element_spec
    first = spec[0] if isinstance(spec, tuple) else spec
    batched = first.shape.rank == 4
    cardinality = int(dataset.cardinality())
    length = None
    if cardinality >= 0 and not batched:
        length = cardinality
    return StreamSource(dataset.as_numpy_iterator(), batched, length)


def _dataloader_length(loader):
    try:
        return len(loader.dataset)
    except TypeError:
        return None


def _positions(start, stop):
    return [str(i) for i in range(start, stop)]


def _numpy(value):
    """An array, a tensor of either framework, or a tuple / list / dict of them, as
    NumPy."""
    if isinstance(value, (tuple, list)):
        return tuple(_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: _numpy(v) for k, v in value.items()}
    if hasattr(value, "detach"):  # a torch.Tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _split(item):
    """`(images, classes or None)` of a batch: an array, or `(images, classes, ...)`."""
    if isinstance(item, dict):
        raise TypeError(
            "data: expected batches of images or (images, classes), got a dict with keys "
            "%s" % sorted(item)
        )
    if isinstance(item, tuple):
        images = item[0]
        labels = np.asarray(item[1]).reshape(len(images), -1) if len(item) > 1 else None
        if labels is not None:
            labels = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0]
        return images, labels
    return item, None


def _stacked_item(item):
    """One unbatched element as a batch of one."""
    item = _numpy(item)
    if isinstance(item, tuple):
        return tuple(np.asarray(v)[None] for v in item)
    return np.asarray(item)[None]


def _stacked(items, start):
    """A `Batch` of map-style dataset items, each an image or `(image, class, ...)`."""
    items = [_numpy(item) for item in items]
    if items and isinstance(items[0], tuple):
        images = np.stack([item[0] for item in items])
        labels = np.asarray([np.asarray(item[1]).reshape(-1)[0] for item in items])
    else:
        images, labels = np.stack(items), None
    return Batch(images, labels, _positions(start, start + len(items)))


def _concatenate_labels(held):
    if not held or any(labels is None for labels in held):
        return None
    return np.concatenate(held)
