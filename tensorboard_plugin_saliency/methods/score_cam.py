"""Score-CAM (Wang et al. 2020): each channel of a layer weighed by the model's score
for the image masked by that channel. Gradient-free; every masked copy of every image
runs as one virtual batch, forward only."""

import numpy as np

from tensorboard_plugin_saliency.methods import cam, checks, resize
from tensorboard_plugin_saliency.methods import targets as _targets
from tensorboard_plugin_saliency.methods.adapter import Batch

WEIGHTS = ("probability", "channel_softmax")
"""How scores become channel weights: the class probability of each masked image (the
paper; tf-keras-vis 0.8), or a softmax over the channels of the raw target scores
(pytorch-grad-cam)."""

EPSILON = 1e-8
"""Added to each upsampled channel's range before it is scaled to [0, 1]."""


def _masked_points(ops, images, k, i, maps, rows_matrix, cols_matrix):
    """Image i times the upsampled mask of its k-th kept channel (row k * N + i)."""
    low = ops.gather(maps, k * int(images.shape[0]) + i)
    mask = ops.einsum("Hh,rhw,Ww->rHW", rows_matrix, low, cols_matrix)
    return ops.gather(images, i) * mask[..., None], 1.0


def _unit_masks(activations, kept, size):
    """float32 `[n, N, h, w]`: each kept channel scaled so that its upsampled mask runs
    from 0 to 1 (as pytorch-grad-cam scales the upsampled channel)."""
    height, width = size
    rows = resize.interpolation_matrix(activations.shape[1], height)
    cols = resize.interpolation_matrix(activations.shape[2], width)
    chosen = np.take_along_axis(activations, kept[:, None, None, :], axis=3)  # [N, h, w, n]
    chosen = chosen.transpose(3, 0, 1, 2).astype(np.float32)  # [n, N, h, w]
    upsampled = np.einsum("Hh,knhw,Ww->knHW", rows, chosen, cols, optimize=True)
    low = upsampled.min(axis=(2, 3), keepdims=True)
    high = upsampled.max(axis=(2, 3), keepdims=True)
    scale = 1.0 / (high - low + EPSILON)
    return ((chosen - low) * scale).astype(np.float32), rows, cols


def compute(model, batch, layer=None, max_n=None, weights="probability"):
    """`relu(sum_c w_c A_c)` over the kept channels, with `w_c` the score of the image
    masked by channel c upsampled to the image (bilinear, corners aligned) and scaled
    to [0, 1], `[N, h, w]`.

    Args:
      layer: the layer whose channels mask the image (as for Grad-CAM).
      max_n: keep only each image's `max_n` channels of largest spatial standard
        deviation (Faster Score-CAM); None: all channels.
      weights: "probability" (the class's softmax probability for each masked image:
        the paper and tf-keras-vis; another `target=` is scored as it is) or
        "channel_softmax" (the raw target scores, softmax over the channels:
        pytorch-grad-cam).

    Costs one forward pass per kept channel and image.
    """
    checks.check_choice("weights", weights, WEIGHTS)
    if max_n is not None:
        max_n = checks.check_count("max_n", max_n)
    activations = model.layer_activations(batch, layer)
    kept = cam.kept_channels(activations, max_n)
    masks, rows, cols = _unit_masks(activations, kept, batch.shape[1:3])
    count, n = masks.shape[:2]
    explained = batch.explained
    if weights == "probability" and explained.target.uses_classes:
        target = _targets.probability(already=True)
        explained = _targets.Explained(target, explained.classes, explained.output)
    ops = model.ops
    scores = model.scores(
        Batch(batch.images, explained),
        _masked_points,
        count,
        ops.constant(masks.reshape(count * n, *masks.shape[2:])),
        ops.constant(rows),
        ops.constant(cols),
    ).reshape(count, n)
    if weights == "channel_softmax":
        shifted = np.exp(scores - scores.max(axis=0, keepdims=True))
        scores = shifted / shifted.sum(axis=0, keepdims=True)
    chosen = np.take_along_axis(activations, kept[:, None, None, :], axis=3)
    return cam.weighted(chosen, scores.T.astype(np.float32))
