"""Ground truth beside the image: where each image's object is.

An image may carry regions, the pixels a model should look at: a binary mask (the
object, whatever its class), or a label map (each pixel's class), and boxes (with or
without a class each). Writers store them with the pixels (format 6); the dashboard
draws their outlines; the localisation scores (`faithfulness.localisation`) compare a
saliency map with the region of the class it explains (`region_of`).

A stored region mask holds one integer per pixel: 0 outside every region; for a
binary mask 1 inside; for a label map the class index + 1.
"""

import dataclasses
from collections.abc import Mapping

import numpy as np

KINDS = ("binary", "labels")
"""What a region mask is: the object's pixels, or each pixel's class."""

MAX_BOXES = 1000
"""Most boxes of one image."""

MAX_CLASS = 65533
"""The largest class index a label map or a box may hold (a stored value is class + 1,
in 16 bits)."""


@dataclasses.dataclass(frozen=True)
class Regions:
    """The regions of a batch of images, for a writer's `regions=`.

    Give `masks` or `label_maps` (or neither), and `boxes` (with `box_labels`) or not.
    Each may be one array for the batch or a list with one entry per image, None for
    an image without one.

    Example:
      ```python
      import numpy as np
      from tensorboard_plugin_saliency.regions import Regions

      objects = np.zeros((2, 64, 64), bool)
      objects[:, 20:40, 10:30] = True
      regions = Regions(masks=objects, boxes=[[[10, 20, 30, 40]], None], box_labels=[[3], None])
      ```
    """

    masks: object = None
    """`[N, H, W]` of the images' size: nonzero inside the object, whatever its class."""
    label_maps: object = None
    """`[N, H, W]` integers: each pixel's class index, -1 where it has none."""
    boxes: object = None
    """Per image, `[k, 4]` boxes `(x0, y0, x1, y1)` in image pixels (x to the right, y
    down, `x1` and `y1` excluded)."""
    box_labels: object = None
    """Per image, `[k]` class indices of its boxes; None: each box holds the object,
    whatever its class."""


@dataclasses.dataclass(frozen=True)
class ImageRegion:
    """The checked regions of one image, as stored (and as `read_saliency` returns
    them, one per image in `SaliencyRecord.regions`).

    Example:
      ```python
      from tensorboard_plugin_saliency import reader, regions

      record = reader.read_saliency("logs", tag="saliency")[-1]
      region = record.regions[0]  # an ImageRegion, or None
      inside = regions.region_of(region, record.fields[0]["true"], record.images.shape[1:3])
      ```
    """

    kind: str
    """"binary" or "labels" (see `KINDS`); "binary" for boxes alone."""
    mask: np.ndarray | None
    """uint16 `[H, W]` of stored values (0 outside; binary 1; labels class + 1), or None."""
    boxes: tuple = ()
    """`((x0, y0, x1, y1, label or None), ...)`, integers in image pixels."""


def prepare_regions(regions, n, size):
    """`regions` as one `ImageRegion` (or None) per image.

    Args:
      regions: None, a `Regions`, or a dict of its fields.
      n: the number of images.
      size: `(H, W)`, the images' size.

    Raises:
      TypeError, ValueError: naming the entry that is not what is expected.

    Example:
      ```python
      import numpy as np
      from tensorboard_plugin_saliency.regions import prepare_regions

      boxes = [[[2, 2, 6, 6]], None]  # image 0 has one box, image 1 none
      prepared = prepare_regions({"boxes": boxes, "box_labels": [[1], None]}, 2, (8, 8))
      assert prepared[1] is None and prepared[0].boxes == ((2, 2, 6, 6, 1),)
      ```
    """
    if regions is None:
        return [None] * n
    if isinstance(regions, Mapping):
        unknown = sorted(set(regions) - {f.name for f in dataclasses.fields(Regions)})
        if unknown:
            raise ValueError(
                "regions: unknown key %s; expected masks, label_maps, boxes, box_labels"
                % ", ".join(map(repr, unknown))
            )
        regions = Regions(**regions)
    if not isinstance(regions, Regions):
        raise TypeError(
            "regions: expected a Regions or a dict of masks, label_maps, boxes and "
            "box_labels, got %s" % type(regions).__name__
        )
    if regions.masks is not None and regions.label_maps is not None:
        raise ValueError("regions: give masks (binary) or label_maps (classes), not both")
    kind = "labels" if regions.label_maps is not None else "binary"
    given = regions.label_maps if kind == "labels" else regions.masks
    masks = _per_image("masks" if kind == "binary" else "label_maps", given, n)
    boxes = _per_image("boxes", regions.boxes, n)
    labels = _per_image("box_labels", regions.box_labels, n)
    if regions.box_labels is not None and regions.boxes is None:
        raise ValueError("regions: box_labels without boxes")
    out = []
    for i in range(n):
        mask = _mask(kind, masks[i], i, size) if masks[i] is not None else None
        image_boxes = _boxes(boxes[i], labels[i], i, size) if boxes[i] is not None else ()
        if mask is None and not image_boxes:
            out.append(None)
        else:
            out.append(ImageRegion(kind, mask, image_boxes))
    return out


def _per_image(what, values, n):
    if values is None:
        return [None] * n
    if isinstance(values, (str, bytes, Mapping)):
        raise TypeError("regions.%s: expected one entry per image" % what)
    if hasattr(values, "numpy") and not isinstance(values, np.ndarray):
        values = values.numpy()  # a TensorFlow or PyTorch tensor
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    if len(values) != n:
        raise ValueError(
            "regions.%s: expected one entry per image (%d), got %d" % (what, n, len(values))
        )
    return list(values)


def _array(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu()
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    return np.asarray(value)


def _mask(kind, value, i, size):
    where = "regions.%s[%d]" % ("masks" if kind == "binary" else "label_maps", i)
    array = _array(value)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.shape != tuple(size):
        raise ValueError(
            "%s: expected shape %s (the image's height and width), got %s"
            % (where, tuple(size), array.shape)
        )
    if kind == "binary":
        if array.dtype.kind not in "biuf":
            raise TypeError("%s: expected booleans or numbers, got %s" % (where, array.dtype))
        return (array != 0).astype(np.uint16)
    if array.dtype.kind not in "iu":
        raise TypeError(
            "%s: expected integer class indices (-1: no class), got %s" % (where, array.dtype)
        )
    if array.size and (array.min() < -1 or array.max() > MAX_CLASS):
        raise ValueError(
            "%s: expected class indices from 0 to %d, or -1 for no class; got values from %d to %d"
            % (where, MAX_CLASS, array.min(), array.max())
        )
    return (array.astype(np.int64) + 1).astype(np.uint16)


def _boxes(value, labels, i, size):
    where = "regions.boxes[%d]" % i
    array = _array(value)
    if array.size == 0:
        array = array.reshape(0, 4)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(
            "%s: expected boxes [k, 4] (x0, y0, x1, y1), got shape %s" % (where, array.shape)
        )
    if len(array) > MAX_BOXES:
        raise ValueError("%s: expected at most %d boxes, got %d" % (where, MAX_BOXES, len(array)))
    if array.dtype.kind not in "iuf" or not np.all(np.isfinite(array)):
        raise ValueError("%s: expected finite numbers" % where)
    h, w = size
    rounded = np.round(array).astype(np.int64)
    x0, y0, x1, y1 = rounded.T
    bad = (x0 < 0) | (y0 < 0) | (x1 > w) | (y1 > h) | (x1 <= x0) | (y1 <= y0)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(
            "%s[%d]: expected 0 <= x0 < x1 <= %d and 0 <= y0 < y1 <= %d (the image's size), got %s"
            % (where, k, w, h, array[k].tolist())
        )
    if labels is None:
        box_labels = [None] * len(rounded)
    else:
        label_array = _array(labels).reshape(-1)
        if len(label_array) != len(rounded) or label_array.dtype.kind not in "iu":
            raise ValueError(
                "regions.box_labels[%d]: expected %d class indices (one per box), got %s"
                % (i, len(rounded), label_array.tolist())
            )
        if label_array.size and (label_array.min() < 0 or label_array.max() > MAX_CLASS):
            raise ValueError(
                "regions.box_labels[%d]: expected class indices from 0 to %d" % (i, MAX_CLASS)
            )
        box_labels = [int(v) for v in label_array]
    return tuple(
        (int(a), int(b), int(c), int(d), label) for (a, b, c, d), label in zip(rounded, box_labels)
    )


def region_of(region, class_index, size):
    """bool `[H, W]`: the pixels of `region` that belong to class `class_index`.

    A binary mask and unlabelled boxes hold the object whatever its class; a label
    map's pixels and labelled boxes count when their class is `class_index`.

    Args:
      region: an `ImageRegion`, or None (no regions: all False).
      class_index: the explained class.
      size: `(H, W)`, the image's size.

    Example:
      ```python
      import numpy as np
      from tensorboard_plugin_saliency.regions import prepare_regions, region_of

      maps = np.full((1, 8, 8), -1)
      maps[0, 2:4, 2:6] = 3  # class 3's pixels
      (region,) = prepare_regions({"label_maps": maps}, 1, (8, 8))
      assert region_of(region, 3, (8, 8)).sum() == 8
      ```
    """
    out = np.zeros(size, bool)
    if region is None:
        return out
    if region.mask is not None:
        if region.kind == "binary":
            out |= region.mask == 1
        else:
            out |= region.mask == int(class_index) + 1
    for x0, y0, x1, y1, label in region.boxes:
        if label is None or label == int(class_index):
            out[y0:y1, x0:x1] = True
    return out


def regions_of(prepared, classes, size):
    """bool `[N, H, W]`: each image's region of its class in `classes` (`region_of`).

    Args:
      prepared: one `ImageRegion` or None per image (`prepare_regions`).
      classes: each image's explained class `[N]`.
      size: `(H, W)`, the images' size.
    """
    return np.stack([region_of(r, c, size) for r, c in zip(prepared, classes)])


def select(regions, rows):
    """The `Regions` of the images `rows` (a slice) of `regions` (None stays None).

    Args:
      regions: None, a `Regions`, or a dict of its fields.
      rows: a `slice` of the batch's images.

    Example:
      ```python
      import numpy as np
      from tensorboard_plugin_saliency.regions import Regions, select

      everything = Regions(masks=np.zeros((100, 8, 8), bool))
      first_ten = select(everything, slice(0, 10))
      ```
    """
    if regions is None:
        return None
    if isinstance(regions, Mapping):
        regions = Regions(**regions)
    return Regions(
        **{
            f.name: None if getattr(regions, f.name) is None else getattr(regions, f.name)[rows]
            for f in dataclasses.fields(Regions)
        }
    )
