"""Image folders: a directory with a subfolder per class (as torchvision's
`ImageFolder` and Keras' `image_dataset_from_directory` read it), or a CSV of image
paths and classes; read with Pillow, resized and normalised as flags say.

    data/cat/001.jpg, data/dog/002.png, ...      classes: the sorted subfolder names
    labels.csv:  path,label                      paths relative to the CSV's folder;
                 images/001.jpg,cat              labels class names (sorted) or indices
"""

import csv
import dataclasses
import os

import numpy as np
from PIL import Image

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


@dataclasses.dataclass(frozen=True)
class Listing:
    """The images of a folder, in a fixed order."""

    paths: list
    """Each image's file."""
    labels: np.ndarray | None
    """Each image's class index, or None (a CSV without labels)."""
    class_names: list | None
    ids: list
    """Each image's path relative to the folder (or the CSV's folder), with '/'."""


@dataclasses.dataclass(frozen=True)
class Preprocess:
    """How an image's pixels become the model's input: resized to `size` (height,
    width) when given, then `pixels / 255 * scale` (0..255 when scale is 255; default
    1: 0..1), minus `mean`, over `std` (per channel)."""

    size: tuple | None = None
    scale: float | None = None
    mean: tuple | None = None
    std: tuple | None = None

    def __post_init__(self):
        size = self.size
        if size is not None:
            size = (size, size) if isinstance(size, int) else tuple(size)
            if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
                raise ValueError("size: expected (height, width) in pixels, got %r" % (self.size,))
            object.__setattr__(self, "size", size)
        if self.scale is not None and not self.scale > 0:
            raise ValueError("scale: expected a positive number, got %r" % (self.scale,))
        for name in ("mean", "std"):
            value = getattr(self, name)
            if value is not None:
                value = tuple(float(v) for v in np.atleast_1d(value))
                if name == "std" and not all(v > 0 for v in value):
                    raise ValueError("std: expected positive numbers, got %r" % (value,))
                object.__setattr__(self, name, value)

    def apply(self, image):
        """`image` (a Pillow image) as float32 `[H, W, C]`."""
        if self.size is not None and (image.height, image.width) != self.size:
            image = image.resize((self.size[1], self.size[0]), Image.BILINEAR)
        pixels = np.asarray(image, np.float32) * ((self.scale or 1.0) / 255.0)
        if pixels.ndim == 2:
            pixels = pixels[:, :, None]
        if self.mean is not None:
            pixels = pixels - np.asarray(self.mean, np.float32)
        if self.std is not None:
            pixels = pixels / np.asarray(self.std, np.float32)
        return pixels


def list_images(path):
    """The `Listing` of an image folder or CSV at `path`. Raises ValueError naming what
    was wrong."""
    if os.path.isfile(path):
        return _from_csv(path)
    if not os.path.isdir(path):
        raise ValueError(
            "images: %r is neither a folder (a subfolder per class) nor a CSV of paths "
            "and labels" % path
        )
    classes = sorted(e.name for e in os.scandir(path) if e.is_dir() and not e.name.startswith("."))
    if not classes:
        raise ValueError(
            "images: %r has no class subfolders (expected FOLDER/CLASS/IMAGE, or a CSV "
            "of paths and labels)" % path
        )
    paths, labels, ids = [], [], []
    for index, name in enumerate(classes):
        for root, dirs, files in os.walk(os.path.join(path, name)):
            dirs.sort()
            for file in sorted(files):
                if file.lower().endswith(IMAGE_EXTENSIONS):
                    full = os.path.join(root, file)
                    paths.append(full)
                    labels.append(index)
                    ids.append(os.path.relpath(full, path).replace(os.sep, "/"))
    if not paths:
        raise ValueError(
            "images: no image files (%s) below %r" % (", ".join(IMAGE_EXTENSIONS), path)
        )
    return Listing(paths, np.asarray(labels, np.int64), classes, ids)


def _from_csv(path):
    base = os.path.dirname(os.path.abspath(path))
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows or "path" not in rows[0]:
        raise ValueError(
            "images: the CSV %r needs a header with a 'path' column (and 'label')" % path
        )
    ids = [row["path"] for row in rows]
    paths = [p if os.path.isabs(p) else os.path.join(base, p) for p in ids]
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        raise ValueError(
            "images: %d paths of %r are not files, the first %r" % (len(missing), path, missing[0])
        )
    if "label" not in rows[0]:
        return Listing(paths, None, None, ids)
    values = [row["label"] for row in rows]
    if all(v.strip().lstrip("-").isdigit() for v in values):
        labels = np.asarray([int(v) for v in values], np.int64)
        if labels.min() < 0:
            raise ValueError("images: %r has a negative class index" % path)
        return Listing(paths, labels, None, ids)
    classes = sorted(set(values))
    labels = np.asarray([classes.index(v) for v in values], np.int64)
    return Listing(paths, labels, classes, ids)


def read_images(paths, preprocess):
    """The images at `paths` as float32 `[N, H, W, C]` (RGB; grayscale kept at one
    channel), all of one size (`preprocess.size`, else the first image's)."""
    out = []
    for path in paths:
        with Image.open(path) as image:
            image = image.convert("L" if image.mode in ("L", "I;16", "I") else "RGB")
            pixels = preprocess.apply(image)
        if out and pixels.shape != out[0].shape:
            raise ValueError(
                "images: %r is %s, %r is %s; give a size to resize them to one"
                % (paths[0], out[0].shape[:2], path, pixels.shape[:2])
            )
        out.append(pixels)
    return np.stack(out)
