"""Targets over regions of an image, for segmentation and detection models, written
once for both frameworks (see `targets`).

- `segmentation(class_index, mask)`: the class's scores summed over a set of pixels
  of a dense output (PyTorch `[N, K, H, W]`, Keras `[N, H, W, K]`), as
  pytorch-grad-cam's `SemanticSegmentationTarget`;
- `detection(boxes, labels, iou)`: for each given box, the score of the detection
  that overlaps it most, when that detection has the box's label and an IoU above
  `iou`, plus that IoU, as pytorch-grad-cam's `FasterRCNNBoxScoreTarget`.

Regions may be given once for all images or one per image: these targets read each
model input's image index (`Target.per_image`) where a class target reads its class.

This module imports neither TensorFlow nor PyTorch.
"""

import hashlib

import numpy as np

from tensorboard_plugin_saliency.methods.targets import Target


def _fingerprint(*arrays):
    """Equal for equal arrays: the key of a target's traced functions."""
    digest = hashlib.sha1()
    for array in arrays:
        digest.update(repr((array.shape, array.dtype.str)).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _dense(outputs):
    """The dense scores of a segmentation model's output (torchvision's `{"out": ...}`)."""
    if isinstance(outputs, dict):
        if "out" not in outputs:
            raise ValueError(
                f"target segmentation: expected a tensor or a dict with 'out', got keys "
                f"{sorted(outputs)}; pass output= to pick one"
            )
        outputs = outputs["out"]
    return outputs


def segmentation(class_index, mask=None):
    """The score of class `class_index` summed over a set of pixels: what makes those
    pixels that class.

    Args:
      class_index: the class (an int >= 0) of a segmentation output: PyTorch
        `[N, K, H, W]` (or torchvision's `{"out": ...}`), Keras `[N, H, W, K]`.
      mask: the pixels, a binary array `[H, W]` (every image) or `[N, H, W]` (one per
        image) at the output's resolution; None: each input's pixels whose predicted
        class (argmax over the classes) is `class_index`.

    Returns:
      A `Target`, for the `target=` of a method function.

    Raises:
      TypeError, ValueError: a class that is not an index, a mask of another rank.

    Example:
      ```python
      from tensorboard_plugin_saliency.torch import methods

      # What makes the pixels a segmentation model predicts as class 2 that class.
      cams = methods.grad_cam(model, images, target=methods.segmentation(2))
      ```
    """
    if isinstance(class_index, bool) or not isinstance(class_index, (int, np.integer)):
        raise TypeError(f"class_index: expected a class index (int >= 0), got {class_index!r}")
    if class_index < 0:
        raise TypeError(f"class_index: expected a class index (int >= 0), got {class_index}")
    k = int(class_index)
    if mask is None:
        text, key, pixels = f"class {k} over its predicted pixels", None, None
    else:
        pixels = np.asarray(mask).astype(np.float32)
        if pixels.ndim not in (2, 3):
            raise ValueError(
                f"mask: expected a binary array [H, W] or [N, H, W], got shape {pixels.shape}"
            )
        count = int(round(pixels.sum() / (1 if pixels.ndim == 2 else len(pixels))))
        text = f"class {k} over {count:,} px" + ("" if pixels.ndim == 2 else " per image")
        key = ("segmentation", k, _fingerprint(pixels))

    def score(outputs, images, ops):
        dense = ops.as_tensor(_dense(outputs))
        if len(dense.shape) != 4:
            raise ValueError(
                f"target {text}: expected a dense output of rank 4, got shape {tuple(dense.shape)}"
            )
        classes = dense.shape[1] if ops.channels_first else dense.shape[3]
        if k >= classes:
            raise ValueError(f"target {text}: the output has {classes} classes, got class {k}")
        scores = dense[:, k] if ops.channels_first else dense[..., k]  # [rows, H, W]
        if pixels is None:
            predicted = ops.argmax(dense, 1 if ops.channels_first else 3)
            chosen = ops.where(predicted == k, ops.zeros_like(scores) + 1.0, ops.zeros_like(scores))
        else:
            if tuple(pixels.shape[-2:]) != tuple(scores.shape[1:]):
                raise ValueError(
                    f"mask: expected the output's resolution {tuple(scores.shape[1:])}, got "
                    f"shape {pixels.shape}"
                )
            region = ops.constant(pixels if pixels.ndim == 3 else pixels[None])
            chosen = ops.gather(region, images if pixels.ndim == 3 else images * 0)
        return ops.sum(ops.reshape(scores * chosen, [-1, scores.shape[1] * scores.shape[2]]), 1)

    return Target(text, score, key=key, per_image=True)


def _boxes_per_image(boxes, labels):
    """`(boxes, labels)` as lists of arrays `[M, 4]` and `[M]`: one entry (every image)
    or one per image."""
    per_image = isinstance(boxes, (list, tuple)) and any(np.ndim(b) == 2 for b in boxes)
    boxes = [boxes] if not per_image else list(boxes)
    labels = [labels] if not per_image else list(labels)
    if len(boxes) != len(labels):
        raise ValueError(
            f"labels: expected one label array per image as for boxes ({len(boxes)}), "
            f"got {len(labels)}"
        )
    out_boxes, out_labels = [], []
    for one_boxes, one_labels in zip(boxes, labels):
        one_boxes = np.asarray(one_boxes, np.float32)
        one_labels = np.asarray(one_labels).reshape(-1)
        if (
            one_boxes.shape[-1:] != (4,)
            or one_boxes.ndim > 2
            or len(one_boxes.reshape(-1, 4)) != len(one_labels)
            or not np.issubdtype(one_labels.dtype, np.integer)
        ):
            raise ValueError(
                f"boxes and labels: expected boxes [M, 4] (x1, y1, x2, y2) with M integer "
                f"labels, got boxes of shape {one_boxes.shape} and labels {one_labels.tolist()}"
            )
        out_boxes.append(one_boxes.reshape(-1, 4))
        out_labels.append(one_labels.astype(np.int64))
    return out_boxes, out_labels, per_image


def _detections(outputs, row):
    """`(boxes [K, 4], scores [K], labels [K])` of one input: torchvision's list of
    dicts, or a dict of batched arrays (`boxes`, `scores` or `confidence`, `labels`
    or `classes`: keras-cv's decoded detections)."""
    if isinstance(outputs, (list, tuple)):
        one = outputs[row]
        return one["boxes"], one["scores"], one["labels"]
    if isinstance(outputs, dict) and "boxes" in outputs:
        scores = outputs["scores"] if "scores" in outputs else outputs["confidence"]
        labels = outputs["labels"] if "labels" in outputs else outputs["classes"]
        return outputs["boxes"][row], scores[row], labels[row]
    raise ValueError(
        "target detection: expected detections as a list of dicts (boxes, scores, "
        "labels) per image, as torchvision's models give in eval mode, or a dict of "
        "batched boxes, scores and labels; got "
        f"{type(outputs).__name__}; pass decode= to read another format"
    )


def _iou(ops, box, boxes):
    """IoU `[K]` of one box `[4]` (a constant) with `boxes` `[K, 4]`."""
    x1 = ops.where(boxes[:, 0] > box[0], boxes[:, 0], boxes[:, 0] * 0 + box[0])
    y1 = ops.where(boxes[:, 1] > box[1], boxes[:, 1], boxes[:, 1] * 0 + box[1])
    x2 = ops.where(boxes[:, 2] < box[2], boxes[:, 2], boxes[:, 2] * 0 + box[2])
    y2 = ops.where(boxes[:, 3] < box[3], boxes[:, 3], boxes[:, 3] * 0 + box[3])
    inter = ops.relu(x2 - x1) * ops.relu(y2 - y1)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    area = float((box[2] - box[0]) * (box[3] - box[1]))
    return inter / (areas + area - inter + 1e-12)


def _match(ops, box, label, least, boxes, scores, labels):
    """The score plus IoU of the detection of largest IoU with `box`, when that IoU
    is above `least` and its label is `label`; else 0. Tensor operations only, so
    that it also runs traced."""
    overlaps = _iou(ops, box, boxes)
    best = ops.max(overlaps, 0)
    at_best = overlaps >= best
    ones, zeros = overlaps * 0 + 1.0, overlaps * 0
    labelled = ops.sum(ops.where(at_best & (labels == label), ones, zeros), 0) > 0
    gain = best + ops.sum(ops.where(at_best, scores, zeros), 0)
    return ops.where((best > least) & labelled, gain, best * 0)


def detection(boxes, labels, iou=0.5, decode=None, names=None):
    """The score of the detections that match given boxes: what makes the model find
    them.

    For each given box: the detection of largest IoU with it counts when that IoU is
    above `iou` and its label is the box's, adding its score and that IoU (as
    pytorch-grad-cam's `FasterRCNNBoxScoreTarget`); 0 when none does.

    Args:
      boxes: `[M, 4]` boxes (x1, y1, x2, y2, in the input's pixels) for every image,
        or a list of one `[M_i, 4]` array per image.
      labels: their integer labels, `[M]` or a list of `[M_i]`.
      iou: the least IoU of a match (> 0).
      decode: `(outputs, row) -> (boxes [K, 4], scores [K], labels [K])` for a model
        whose output is neither torchvision's (a list of dicts per image) nor a
        dict of batched `boxes`, `scores` and `labels` (e.g. a Keras model's).
      names: class names by label, for the provenance ("box dog IoU>=0.5").

    Returns:
      A `Target`, for the `target=` of a method function.

    Raises:
      TypeError, ValueError: boxes or labels of the wrong shape, `iou` not in (0, 1].

    Example:
      ```python
      import numpy as np
      from tensorboard_plugin_saliency.torch import methods

      # What makes a torchvision Faster R-CNN find a dog (label 18) in this box.
      target = methods.detection(np.array([[40, 30, 200, 180]]), [18], names=coco_names)
      grads = methods.gradients(detector, images, target=target)  # detector in eval mode
      ```
    """
    if isinstance(iou, bool) or not isinstance(iou, (int, float)) or not 0 < iou <= 1:
        raise ValueError(f"iou: expected a number in (0, 1], got {iou!r}")
    if decode is not None and not callable(decode):
        raise TypeError(f"decode: expected a function (outputs, row) -> ..., got {decode!r}")
    given, given_labels, per_image = _boxes_per_image(boxes, labels)
    label_set = sorted({int(v) for one in given_labels for v in one})
    named = [names[v] if names is not None and v < len(names) else str(v) for v in label_set]
    count = sum(len(b) for b in given)
    if count == 1:
        text = f"box {named[0]} IoU>={iou:g}"
    else:
        text = f"{count} boxes ({', '.join(named)}) IoU>={iou:g}"
    key = ("detection", iou, _fingerprint(*given, *given_labels), decode)
    read = decode or _detections

    def score(outputs, images, ops):
        image_index = ops.numpy(images) if per_image else None
        totals = []
        for row in range(int(images.shape[0])):
            found_boxes, found_scores, found_labels = read(outputs, row)
            found_boxes, found_scores = ops.as_tensor(found_boxes), ops.as_tensor(found_scores)
            total = ops.sum(found_scores[:0], 0)  # 0, as a tensor of the graph
            which = int(image_index[row]) if per_image else 0
            if found_boxes.shape[0] != 0:
                for box, label in zip(given[which], given_labels[which]):
                    total = total + _match(
                        ops,
                        box,
                        int(label),
                        iou,
                        found_boxes,
                        found_scores,
                        ops.as_tensor(found_labels),
                    )
            totals.append(ops.reshape(total, [1]))
        return ops.concat(totals, 0)

    return Target(text, score, key=key, per_image=True, whole_output=True)
