"""`cam.top_eigenvectors` (EigenCAM's first component) against a full `eigh`, on the
matrices whose top vector a small Krylov subspace finds and on those it cannot; and the
one BLAS thread the methods' NumPy math runs on."""

import numpy as np
import pytest
import threadpoolctl

from tensorboard_plugin_saliency.methods import adapter, cam


def _gram(eigenvalues, seed=0):
    """Symmetric matrices `[N, k, k]` of the given eigenvalues `[N, k]`, random bases."""
    rng = np.random.default_rng(seed)
    bases = np.linalg.qr(rng.standard_normal((*eigenvalues.shape, eigenvalues.shape[1])))[0]
    return bases @ (eigenvalues[:, :, None] * bases.transpose(0, 2, 1)), bases


def _assert_top_pair(gram, value, vector):
    values, vectors = np.linalg.eigh(gram)
    np.testing.assert_allclose(value, values[:, -1], rtol=1e-9)
    cosines = np.abs((vector * vectors[..., -1]).sum(1))  # the sign is free
    np.testing.assert_allclose(cosines, 1, atol=1e-8)


def test_a_standing_out_component_is_found_in_the_subspace():
    spectrum = np.geomspace(1, 1e-4, 64) * np.array([[1.0], [3.0], [1e-3]])
    spectrum[:, 0] *= 2.5  # a first component 2.5x the second, as real layers have
    gram, _ = _gram(spectrum)
    _assert_top_pair(gram, *cam.top_eigenvectors(gram))


def test_close_first_eigenvalues_fall_back_to_a_full_decomposition(monkeypatch):
    spectrum = np.geomspace(1, 1e-4, 64)[None].repeat(2, 0)
    spectrum[:, 0] *= 2.5
    spectrum[1, 1] = spectrum[1, 0] * (1 - 1e-3)  # too close for 12 Krylov vectors
    gram, _ = _gram(spectrum)
    decomposed, eigh = [], np.linalg.eigh
    monkeypatch.setattr(np.linalg, "eigh", lambda a: decomposed.append(a.shape) or eigh(a))
    value, vector = cam.top_eigenvectors(gram)
    assert decomposed == [(2, 12, 12), (1, 64, 64)]  # the subspace's, then image 1's
    monkeypatch.undo()
    _assert_top_pair(gram, value, vector)


@pytest.mark.parametrize("k", [1, 5, cam.KRYLOV_SIZE])
def test_matrices_as_small_as_the_subspace(k):
    gram, _ = _gram(np.linspace(2, 1, k)[None].repeat(3, 0))
    _assert_top_pair(gram, *cam.top_eigenvectors(gram))


def test_zero_and_rank_one_matrices():
    gram = np.zeros((2, 40, 40))
    u = np.random.default_rng(1).standard_normal(40)
    gram[1] = np.outer(u, u)
    value, vector = cam.top_eigenvectors(gram)
    assert np.isfinite(vector).all()
    np.testing.assert_allclose(value, [0, u @ u], atol=1e-9)
    np.testing.assert_allclose(abs(vector[1] @ u) / np.linalg.norm(u), 1, atol=1e-12)


def test_first_component_of_fewer_positions_than_channels():
    """The `[P, P]` Gram matrix of positions, whose G 1 is 0 (centred columns)."""
    rng = np.random.default_rng(2)
    values = rng.random((3, 4, 4, 80)) * np.linspace(0, 3, 16).reshape(1, 4, 4, 1)
    ours = cam.first_component(values)
    for i, image in enumerate(values.reshape(3, 16, 80)):
        centred = image - image.mean(0)
        expected = centred @ np.linalg.svd(centred)[2][0]
        np.testing.assert_allclose(np.abs(ours[i].ravel()), np.abs(expected), rtol=1e-5)


def test_the_methods_run_numpy_blas_on_one_thread():
    def threads():
        info = threadpoolctl.threadpool_info()
        return {i["num_threads"] for i in info if i["internal_api"] == "openblas"}

    before = threads()
    with adapter.one_blas_thread():
        assert threads() == {1}
    assert threads() == before
