"""Grad-CAM (Selvaraju et al. 2017), as PAIR computes it, unresized; and the rule that
picks its layer, the same for Keras layers and PyTorch modules."""

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A layer of a model as the default-layer rule sees it, in the order it runs."""

    layer: object
    """The framework's layer (a Keras layer, a PyTorch module)."""
    name: str
    kind: str
    """"convolution" (or a block ending in one), "pooling" or "other"."""
    shape: tuple | None
    """Its output's shape without the batch, channels last; None: not one tensor."""

    @property
    def spatial(self):
        return self.shape is not None and len(self.shape) == 3


def default_layer(candidates):
    """The default Grad-CAM layer among `candidates` (in the order they run), or None.

    The last convolution (or block ending in one) with a spatial output, then any
    layers right after it that keep its output's shape (batch normalisation,
    activations, dropout, a residual sum): the block's output, after its ReLU. Never a
    pooling layer. Without a convolution, the last spatial layer that is not a pooling
    layer.
    """
    spatial = [j for j, c in enumerate(candidates) if c.spatial]
    convolutions = [j for j in spatial if candidates[j].kind == "convolution"]
    if not convolutions:
        rest = [j for j in spatial if candidates[j].kind != "pooling"]
        return candidates[rest[-1]] if rest else None
    chosen = candidates[convolutions[-1]]
    for candidate in candidates[convolutions[-1] + 1 :]:
        if candidate.kind == "pooling" or candidate.shape != chosen.shape:
            break
        chosen = candidate
    return chosen


def weighted_sum(activations, gradients):
    """`relu(sum_c mean_hw(dS/dA_c) A_c)`: float32 `[N, h, w]` from channels-last
    activations and gradients `[N, h, w, channels]`."""
    weights = gradients.mean(axis=(1, 2), dtype=np.float32)
    cam = np.einsum("nhwc,nc->nhw", activations, weights)
    return np.maximum(cam, 0).astype(np.float32)


def compute(model, batch, layer=None):
    """Grad-CAM: a layer's channels weighed by their mean gradient, rectified,
    `[N, h, w]` at the layer's resolution, neither normalised nor upsampled."""
    activations, gradients = model.layer_gradients(batch, layer)
    return weighted_sum(activations, gradients)
