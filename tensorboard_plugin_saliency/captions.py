"""What the callbacks show beside the masks, whatever the framework: images made
displayable, class probabilities, and captions "true: cat · pred: dog 0.87"."""

import numpy as np


def probabilities(outputs):
    """float64 `[N, classes]`: `outputs` as class probabilities (softmax, unless the
    rows already are probabilities)."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if np.all(outputs >= 0) and np.allclose(outputs.sum(axis=1), 1.0, atol=1e-3):
        return outputs
    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def display_images(images):
    """`images` `[N, H, W, C]` in [0, 1] for display: as they are if already there,
    divided by 255 if in [0, 255], else min-max scaled per image."""
    images = np.asarray(images, dtype=np.float32)
    if images.min() >= 0.0 and images.max() <= 1.0:
        return images
    if images.min() >= 0.0 and images.max() <= 255.0:
        return images / 255.0
    low = images.min(axis=(1, 2, 3), keepdims=True)
    high = images.max(axis=(1, 2, 3), keepdims=True)
    return (images - low) / np.maximum(high - low, 1e-12)


def class_name(class_id, class_names=None):
    """The name of `class_id` in `class_names`, else the id as text."""
    if class_names is not None and 0 <= class_id < len(class_names):
        return str(class_names[class_id])
    return str(int(class_id))


def captions(probs, true_classes=None, class_names=None):
    """One caption per image: "pred: dog 0.87", after "true: cat · " when the true
    classes are known. `probs`: `[N, classes]` probabilities."""
    out = []
    for i, row in enumerate(probs):
        predicted = int(np.argmax(row))
        caption = "pred: %s %.2f" % (class_name(predicted, class_names), row[predicted])
        if true_classes is not None:
            caption = "true: %s · %s" % (class_name(true_classes[i], class_names), caption)
        out.append(caption)
    return out
