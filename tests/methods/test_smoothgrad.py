"""SmoothGrad: parity with PAIR given the same noise, seeds, and its own errors."""

import numpy as np
import pytest
import saliency.core as saliency
from methods_testing import pair_masks, relative_error

from tensorboard_plugin_saliency import methods


@pytest.mark.parametrize(
    "base, pair_method, magnitude, kwargs",
    [
        (methods.gradients, saliency.GradientSaliency(), True, {}),
        (methods.gradients, saliency.GradientSaliency(), False, {}),
        (methods.integrated_gradients, saliency.IntegratedGradients(), True, {"steps": 5}),
    ],
)
def test_smoothgrad_matches_pair_with_same_noise(
    model,
    images,
    targets,
    call_model_function,
    monkeypatch,
    base,
    pair_method,
    magnitude,
    kwargs,
):
    nsamples, spread = 4, 0.2
    unit = np.random.default_rng(3).standard_normal((nsamples,) + images.shape)
    spans = images.max(axis=(1, 2, 3)) - images.min(axis=(1, 2, 3))
    noise = unit * (spread * spans)[None, :, None, None, None]
    # PAIR draws np.random.normal(0, stdev, shape) once per sample, image after
    # image: feed it the same draws.
    draws = iter(noise.transpose(1, 0, 2, 3, 4).reshape((-1,) + images.shape[1:]))

    def normal(loc, scale, size):
        draw = next(draws)
        assert loc == 0 and draw.shape == tuple(size)
        return draw

    monkeypatch.setattr(np.random, "normal", normal)
    pair_kwargs = {"x_steps": kwargs["steps"]} if kwargs else {}
    expected = pair_masks(
        pair_method.GetSmoothedMask,
        images,
        targets,
        call_model_function,
        stdev_spread=spread,
        nsamples=nsamples,
        magnitude=magnitude,
        **pair_kwargs,
    )
    actual = methods.smoothgrad(
        model,
        images,
        base=base,
        nsamples=nsamples,
        stdev_spread=spread,
        magnitude=magnitude,
        noise=noise,
        batch_size=5,
        **kwargs,
    )
    assert relative_error(actual, expected) <= 1e-4


def test_smoothgrad_seed_reproducibility(model, images):
    first = methods.smoothgrad(model, images, nsamples=3, seed=7)
    np.testing.assert_array_equal(first, methods.smoothgrad(model, images, nsamples=3, seed=7))
    assert not np.allclose(first, methods.smoothgrad(model, images, nsamples=3, seed=8))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"nsamples": 0}, ValueError, "nsamples: expected an int >= 1, got 0"),
        (
            {"nsamples": 2, "noise": np.zeros(3)},
            ValueError,
            r"noise: expected shape \(2, 3, 16, 16, 3\)",
        ),
        ({"base": "nope"}, TypeError, "base"),
        ({"base": methods.smoothgrad}, TypeError, "base"),
    ],
)
def test_clear_errors(model, images, params, error, match):
    with pytest.raises(error, match=match):
        methods.smoothgrad(model, images, **params)
