"""Guided Integrated Gradients: parity with PAIR's `GuidedIG`, batching, SmoothGrad
over it, and its own errors.

PAIR `saliency` 0.2.1 calls `np.quantile(..., interpolation="lower")`, a keyword
NumPy 2.4 removed (it is `method=` since NumPy 1.22). The PAIR runs here go through
`np.quantile` patched to map `interpolation=` to `method=`, nothing else changed.
"""

import keras
import numpy as np
import pytest
import saliency.core as saliency
from methods_testing import CLASSES, N, pair_masks, relative_error

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import guided_integrated_gradients, row_select

_QUANTILE = np.quantile


def _quantile(a, q, *args, interpolation=None, **kwargs):
    """`np.quantile` taking PAIR's `interpolation=` as `method=`."""
    if interpolation is not None:
        kwargs["method"] = interpolation
    return _QUANTILE(a, q, *args, **kwargs)


@pytest.fixture
def pair_quantile(monkeypatch):
    monkeypatch.setattr(np, "quantile", _quantile)


@pytest.mark.parametrize(
    "params",
    [
        {"steps": 20},  # PAIR's fraction and max_dist
        {"steps": 15, "fraction": 0.1, "max_dist": 0.1},
        {"steps": 10, "max_dist": 1.0},  # the unbounded path
        {"steps": 12, "max_dist": 0.0},  # the straight line
        {"steps": 16, "fraction": 0.5, "baseline": 0.5},
    ],
)
def test_guided_ig_matches_pair(model, images, targets, call_model_function, pair_quantile, params):
    params = dict(params)
    baseline = params.pop("baseline", 0.0)
    steps = params.pop("steps")
    expected = pair_masks(
        saliency.GuidedIG().GetMask,
        images,
        targets,
        call_model_function,
        x_steps=steps,
        x_baseline=np.full(images.shape[1:], baseline, np.float32),
        **params,
    )
    actual = guided_integrated_gradients(
        model, images, targets, steps=steps, baseline=baseline, batch_size=2, **params
    )
    assert actual.shape == images.shape and actual.dtype == np.float32
    assert relative_error(actual, expected) <= 1e-4


def test_batching_does_not_change_the_result(model, images, targets):
    batched = guided_integrated_gradients(model, images, targets, steps=10, batch_size=1000)
    np.testing.assert_allclose(
        guided_integrated_gradients(model, images, targets, steps=10, batch_size=1),
        batched,
        rtol=1e-4,
        atol=1e-7,
    )
    for i in range(N):
        alone = guided_integrated_gradients(model, images[i : i + 1], targets[i : i + 1], steps=10)
        np.testing.assert_allclose(alone[0], batched[i], rtol=1e-4, atol=1e-7)


def test_an_image_equal_to_its_baseline_gets_zeros(model, images, targets):
    baseline = np.zeros_like(images)
    baseline[1] = images[1]
    actual = guided_integrated_gradients(model, images, targets, steps=6, baseline=baseline)
    assert not np.any(actual[1])
    np.testing.assert_allclose(
        actual[[0, 2]],
        guided_integrated_gradients(model, images[[0, 2]], targets[[0, 2]], steps=6),
        rtol=1e-4,
        atol=1e-7,
    )


def test_close_to_completeness(model, images, targets):
    # Like IG's, the attributions add up to about score(x) - score(baseline); only
    # about: the sum is taken along the path's jumps (PAIR's too: within 11% here at
    # 50 to 400 steps).
    scores = model(images).numpy()[np.arange(N), targets]
    gap = scores - model(np.zeros_like(images)).numpy()[np.arange(N), targets]
    attributions = guided_integrated_gradients(model, images, targets, steps=50)
    np.testing.assert_allclose(attributions.sum(axis=(1, 2, 3)), gap, rtol=0.15)


def test_smoothgrad_over_guided_ig(model, images, targets):
    # SmoothGrad's base: all noisy copies of all images walk their paths together.
    nsamples = 2
    noise = 0.1 * np.random.default_rng(1).standard_normal((nsamples,) + images.shape)
    noise = noise.astype(np.float32)
    actual = methods.smoothgrad(
        model,
        images,
        targets,
        base=guided_integrated_gradients,
        nsamples=nsamples,
        noise=noise,
        steps=8,
    )
    expected = np.mean(
        [
            np.square(guided_integrated_gradients(model, images + e, targets, steps=8))
            for e in noise
        ],
        axis=0,
    )
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-9)


def test_other_targets_give_other_attributions(model, images, targets):
    other = guided_integrated_gradients(model, images, (targets + 1) % CLASSES, steps=5)
    assert not np.allclose(other, guided_integrated_gradients(model, images, targets, steps=5))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"steps": 0}, ValueError, "steps: expected an int >= 1, got 0"),
        ({"fraction": 1.5}, ValueError, r"fraction: expected a number in \[0, 1\], got 1.5"),
        ({"max_dist": -0.1}, ValueError, r"max_dist: expected a number in \[0, 1\]"),
        ({"fraction": "a"}, TypeError, "fraction"),
        ({"baseline": np.zeros(7)}, ValueError, "baseline"),
    ],
)
def test_clear_errors(model, images, params, error, match):
    with pytest.raises(error, match=match):
        guided_integrated_gradients(model, images, **params)


def test_target_scores_any_output(images):
    # target= reaches the engine: increase and decrease of a regression unit give
    # opposite attributions (the path follows |gradient|, the same for both).
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(images.shape[1:]),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2),
        ]
    )
    up = guided_integrated_gradients(model, images, target=methods.increase(1), steps=6)
    down = guided_integrated_gradients(model, images, target=methods.decrease(1), steps=6)
    np.testing.assert_allclose(up, -down, rtol=1e-5, atol=1e-8)
    assert np.abs(up).max() > 0


@pytest.mark.parametrize("seed", range(4))
def test_kth_smallest_equals_numpy_partition(seed):
    """The radix select picks NumPy's partition value, with ties, zeros, inf and NaN."""
    rng = np.random.default_rng(seed)
    values = np.abs(rng.standard_normal((8, 3000)).astype(np.float32)) * 10.0 ** rng.uniform(-6, 3)
    values[rng.random(values.shape) < 0.2] = 0
    values[rng.random(values.shape) < 0.2] = np.inf
    values[rng.random(values.shape) < 0.05] = np.nan
    values[0] = np.round(values[0])  # Many ties.
    values[1] = 7.0  # One value.
    keys = np.empty(values.shape, np.uint32)
    wanted = np.ones(8, bool)
    for kth in (0, 1, 749, 1500, 2999):
        expected = np.partition(values, kth, axis=1)[:, kth]
        got = row_select.kth_smallest(values, kth, keys, wanted)
        np.testing.assert_array_equal(got, expected)
    wanted[3] = False
    assert row_select.kth_smallest(values, 749, keys, wanted)[3] == 0
