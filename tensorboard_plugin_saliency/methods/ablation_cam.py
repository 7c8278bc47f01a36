"""Ablation-CAM (Desai & Ramaswamy 2020): each channel of a layer weighed by the drop
in score when that channel is set to zero. Gradient-free; every image with every
kept channel ablated runs as one virtual batch, forward only."""

import numpy as np

from tensorboard_plugin_saliency.methods import cam, checks


def compute(model, batch, layer=None, max_n=None):
    """`relu(sum_c w_c A_c)` with `w_c = (y - y_c) / y`, where `y` is the explained
    score and `y_c` the score with channel c of the layer set to zero, `[N, h, w]`.

    Args:
      layer: the layer whose channels are ablated (as for Grad-CAM).
      max_n: ablate only each image's `max_n` channels of largest spatial standard
        deviation (as Faster Score-CAM keeps them); the others weigh 0. None: all.

    Costs one forward pass per kept channel and image, and one for `y`. A score of
    exactly 0 gives weights of 0.
    """
    if max_n is not None:
        max_n = checks.check_count("max_n", max_n)
    activations = model.layer_activations(batch, layer)
    kept = cam.kept_channels(activations, max_n)
    ablated = model.ablated_scores(batch, layer, kept)  # [n, N]
    score = model.ablated_scores(batch, layer, np.full((batch.n, 1), -1))[0]  # nothing ablated
    weights = np.divide(
        score[None, :] - ablated,
        score[None, :],
        out=np.zeros_like(ablated, dtype=np.float64),
        where=score[None, :] != 0,
    )
    chosen = np.take_along_axis(activations, kept[:, None, None, :], axis=3)
    return cam.weighted(chosen, weights.T.astype(np.float32))
