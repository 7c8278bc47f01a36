"""Integrated Gradients: parity with PAIR, completeness, baseline errors."""

import numpy as np
import pytest
import saliency.core as saliency
from methods_testing import C, H, N, W, pair_masks, relative_error

from tensorboard_plugin_saliency import methods


def test_integrated_gradients_match_pair(model, images, targets, call_model_function):
    expected = pair_masks(
        saliency.IntegratedGradients().GetMask,
        images,
        targets,
        call_model_function,
        x_steps=10,
        x_baseline=np.zeros((H, W, C), np.float32),
        batch_size=4,
    )
    actual = methods.integrated_gradients(model, images, steps=10, batch_size=7)
    assert relative_error(actual, expected) <= 1e-4


def test_completeness(model, images):
    # IG sums to score(x) - score(baseline) as the steps grow.
    scores = model(images).numpy()
    targets = scores.argmax(1)
    gap = scores.max(1) - model(np.zeros_like(images)).numpy()[np.arange(N), targets]
    ig = methods.integrated_gradients(model, images, steps=200)
    np.testing.assert_allclose(ig.sum(axis=(1, 2, 3)), gap, rtol=0.05)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"steps": 0}, ValueError, "steps"),
        ({"baseline": np.zeros(7)}, ValueError, "baseline"),
    ],
)
def test_clear_errors(model, images, params, error, match):
    with pytest.raises(error, match=match):
        methods.integrated_gradients(model, images, **params)
