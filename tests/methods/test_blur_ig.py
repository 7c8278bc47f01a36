"""Blur IG: parity with PAIR's BlurIG, and its blur against scipy's."""

import numpy as np
import pytest
import saliency.core as saliency
from methods_testing import pair_masks, relative_error
from scipy.ndimage import gaussian_filter1d

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import blur_ig


def test_blur_integrated_gradients_match_pair(model, images, targets, call_model_function):
    # PAIR's BlurIG (scipy.ndimage.gaussian_filter) runs on NumPy 2.4/scipy 1.17.
    kwargs = dict(max_sigma=6.0, steps=12, grad_step=0.01)
    expected = pair_masks(
        saliency.BlurIG().GetMask, images, targets, call_model_function, batch_size=5, **kwargs
    )
    actual = methods.blur_integrated_gradients(model, images, batch_size=8, **kwargs)
    assert relative_error(actual, expected) <= 1e-4
    expected = pair_masks(
        saliency.BlurIG().GetMask, images, targets, call_model_function, sqrt=True, **kwargs
    )
    actual = methods.blur_integrated_gradients(model, images, sqrt=True, **kwargs)
    assert relative_error(actual, expected) <= 1e-4


def testblur_matrices_are_scipys_gaussian_filter():
    signal = np.random.default_rng(4).random(20)
    sigmas = [0.0, 0.3, 1.0, 2.5, 9.0]
    mats = blur_ig.blur_matrices(sigmas, 20)
    for sigma, mat in zip(sigmas, mats):
        expected = gaussian_filter1d(signal, sigma, mode="constant") if sigma else signal
        np.testing.assert_allclose(mat @ signal, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "params, match",
    [({"max_sigma": 0}, "max_sigma"), ({"grad_step": -1.0}, "grad_step"), ({"steps": 0}, "steps")],
)
def test_clear_errors(model, images, params, match):
    with pytest.raises(ValueError, match=match):
        methods.blur_integrated_gradients(model, images, **params)
