"""What the class-activation-map family shares, for Keras layers and PyTorch modules
alike: the sums and projections the methods weigh a layer's channels with. Each
method (`grad_cam`, `hires_cam`, `grad_cam_plus_plus`, ...) is a short module over
these and a model adapter's `layer_gradients` or `layer_activations` (channels last,
`[N, h, w, C]`); which layer, and how its output is read as a map, is
`layer_choice`'s. Maps are raw, at the layer's resolution: the dashboard clips and
resizes.
"""

import numpy as np

from tensorboard_plugin_saliency.methods.layer_choice import (  # noqa: F401 (moved there)
    Candidate,
    default_layer,
)


def weighted(activations, weights):
    """`relu(sum_c weights_c A_c)`: float32 `[N, h, w]` from activations
    `[N, h, w, C]` and one weight per image and channel `[N, C]`."""
    maps = np.einsum("nhwc,nc->nhw", activations, weights.astype(np.float32))
    return np.maximum(maps, 0).astype(np.float32)


def rectified(maps):
    """float32 `[N, h, w]`, negative values set to 0 (the family's final ReLU)."""
    return np.maximum(maps, 0).astype(np.float32)


def first_component(values, sign_correction=True):
    """Each image's values `[N, h, w, C]` projected on their first principal component:
    float32 `[N, h, w]`.

    The `[h * w, C]` matrix of each image is centred on its mean over positions and
    projected on its first right singular vector (EigenCAM). A singular vector's sign
    is arbitrary; with `sign_correction` it is chosen so that the projection
    correlates positively with the sum of the values over channels, so that the map
    points where the layer responds. Without, the sign is LAPACK's on the float32
    matrix, as pytorch-grad-cam's `get_2d_projection` computes it (a centred matrix of
    fewer positions than channels is rank-deficient, and its rounding decides the sign).
    """
    n, h, w, c = values.shape
    if not sign_correction:  # LAPACK's SVD of the float32 matrix, as pytorch-grad-cam
        matrices = np.nan_to_num(values.astype(np.float32)).reshape(n, h * w, c)
        centred = matrices - matrices.mean(axis=1, keepdims=True)
        component = np.linalg.svd(centred, full_matrices=False)[2][:, 0]
        return (centred @ component[..., None]).reshape(n, h, w).astype(np.float32)
    matrices = np.nan_to_num(values.astype(np.float64), copy=False).reshape(n, h * w, c)
    centred = matrices - matrices.mean(axis=1, keepdims=True)
    out = _first_projection(centred)
    response = matrices.sum(axis=2)
    response -= response.mean(axis=1, keepdims=True)
    out *= np.where((out * response).sum(axis=1) < 0, -1.0, 1.0)[:, None]
    return out.reshape(n, h, w).astype(np.float32)


def _first_projection(centred):
    """Each matrix `[P, C]` of `centred` `[N, P, C]` projected on its first right
    singular vector, `[N, P]`, up to its sign: from the top eigenvector of the smaller
    Gram matrix (`[P, P]` or `[C, C]`), cheaper and steadier in time than the SVD of
    `[P, C]`."""
    if centred.shape[1] <= centred.shape[2]:  # X X^T u = s^2 u, and X v = s u
        value, vector = top_eigenvectors(centred @ centred.transpose(0, 2, 1))
        return vector * np.sqrt(np.maximum(value, 0))[:, None]
    vector = top_eigenvectors(centred.transpose(0, 2, 1) @ centred)[1]
    return (centred @ vector[..., None])[..., 0]


KRYLOV_SIZE = 12
"""The Krylov subspace `top_eigenvectors` searches first: its top vector converges on
the layers of the tests and benchmarks, whose first component stands out."""


def top_eigenvectors(gram, tolerance=1e-9):
    """The largest eigenvalue `[N]` and its unit eigenvector `[N, k]` of each symmetric
    positive semi-definite matrix of `gram` `[N, k, k]`, up to the vector's sign.

    Rayleigh-Ritz on a Krylov subspace of `KRYLOV_SIZE` vectors (a few batched
    products: 5.6x faster than a full `eigh` of 16 64x64 matrices), kept for the
    matrices whose pair it finds to `tolerance` (`|G u - l u| <= tolerance * l`); the
    others, whose first two eigenvalues lie too close for so few vectors, and all
    matrices as small as the subspace, get a full `eigh`.
    """
    n, k, _ = gram.shape
    if k <= KRYLOV_SIZE:
        values, vectors = np.linalg.eigh(gram)
        return values[:, -1], vectors[..., -1]
    # A fixed start, as likely as any to hold the top vector: G 1 is 0 for the Gram
    # matrix of positions, whose columns are centred.
    vector = np.broadcast_to(np.random.default_rng(0).standard_normal(k), (n, k))
    basis = np.empty((n, k, KRYLOV_SIZE))
    for j in range(KRYLOV_SIZE):
        norm = np.linalg.norm(vector, axis=1, keepdims=True)
        basis[..., j] = vector = vector / np.where(norm > 0, norm, 1)
        vector = (gram @ vector[..., None])[..., 0]
    basis = np.linalg.qr(basis)[0]
    values, ritz = np.linalg.eigh(basis.transpose(0, 2, 1) @ gram @ basis)
    value, vector = values[:, -1], (basis @ ritz[..., -1:])[..., 0]
    residual = np.linalg.norm((gram @ vector[..., None])[..., 0] - value[:, None] * vector, axis=1)
    unfound = ~(residual <= tolerance * value)  # NaN or a zero matrix: unfound
    if unfound.any():
        values, vectors = np.linalg.eigh(gram[unfound])
        value[unfound], vector[unfound] = values[:, -1], vectors[..., -1]
    return value, vector


def kept_channels(activations, max_n):
    """int `[N, n]`: each image's channels, all of them or the `max_n` of largest
    spatial standard deviation (Faster Score-CAM, tf-keras-vis' `max_N`)."""
    n, _, _, channels = activations.shape
    if max_n is None or max_n >= channels:
        return np.tile(np.arange(channels), (n, 1))
    spread = activations.std(axis=(1, 2))
    return np.argsort(-spread, axis=1, kind="stable")[:, :max_n]
