"""XRAI: parity with PAIR (segments, ranking, whole method), batching, other bases,
the missing-scikit-image error and the method's own errors."""

import functools
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
import saliency.core as saliency
from methods_testing import pair_call_model_function, relative_error
from saliency.core import xrai as pair_xrai

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import (
    guided_integrated_gradients,
    integrated_gradients,
    smoothgrad,
    xrai,
    xrai_segments,
)

N, SIZE = 3, 40
"""Images of 40 x 40: a few dozen regions each, min_pixel_diff=50 still drops some."""


def _smooth_images(n, height, width, seed):
    """Images with smooth areas and edges, in [0, 1], as a segmentation likes them."""
    rng = np.random.default_rng(seed)
    noise = rng.random((n, height, width, 3))
    smooth = np.cumsum(np.cumsum(noise, 1), 2)
    smooth /= smooth.max(axis=(1, 2, 3), keepdims=True)
    rows, cols = np.mgrid[:height, :width]
    for i in range(n):
        r, c = rng.integers(5, min(height, width) - 5, 2)
        smooth[i, (rows - r) ** 2 + (cols - c) ** 2 < 60, i % 3] = 1.0
    return (0.8 * smooth + 0.2 * noise).astype(np.float32)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(4)
    return keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv1"),
            keras.layers.Conv2D(8, 3, strides=2, activation="relu", name="conv2"),
            keras.layers.Flatten(),
            keras.layers.Dense(5),
        ]
    )


@pytest.fixture(scope="module")
def images():
    return _smooth_images(N, SIZE, SIZE, seed=0)


@pytest.fixture(scope="module")
def targets(model, images):
    return model(images).numpy().argmax(1)


@pytest.fixture(scope="module")
def pair_segments(images):
    """PAIR's own segmentation of each image (boolean masks)."""
    return [pair_xrai._get_segments_felzenszwalb(x) for x in images]


def _pair_ig(model, images, targets, steps):
    """Our IG averaged over PAIR's two XRAI baselines (each image's min and max)."""
    lows = images.min(axis=(1, 2, 3), keepdims=True)
    highs = images.max(axis=(1, 2, 3), keepdims=True)
    runs = [
        integrated_gradients(model, images, targets, steps=steps, baseline=b) for b in (lows, highs)
    ]
    return np.mean(np.stack(runs), axis=0)


@pytest.mark.parametrize("shape", [(SIZE, SIZE), (29, 52)])
def test_segments_are_pairs(shape):
    image = _smooth_images(1, *shape, seed=1)[0]
    expected = [np.flatnonzero(m) for m in pair_xrai._get_segments_felzenszwalb(image) if m.any()]
    regions = xrai_segments.felzenszwalb_regions(image)
    assert len(regions) == len(expected) > 20
    for ours, theirs in zip(regions, expected):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "algorithm, area_threshold, min_pixel_diff, levels",
    [
        ("full", 1.0, 50, None),
        ("full", 0.3, 50, None),
        ("full", 1.0, 1, 3),  # attributions of 3 values: many equal gains
        ("fast", 1.0, 50, None),
        ("fast", 1.0, 10, 3),
    ],
)
def test_ranking_is_pairs(pair_segments, algorithm, area_threshold, min_pixel_diff, levels):
    rng = np.random.default_rng(2)
    for masks in pair_segments:
        attr = rng.standard_normal((SIZE, SIZE)).astype(np.float32)
        if levels:
            attr = np.round(attr.clip(-1, 1) * (levels // 2)).astype(np.float32)
        if algorithm == "full":
            expected = pair_xrai.XRAI._xrai(
                attr, masks, area_perc_th=area_threshold, min_pixel_diff=min_pixel_diff
            )
        else:
            expected = pair_xrai.XRAI._xrai_fast(attr, masks, min_pixel_diff=min_pixel_diff)
        regions = xrai_segments.masks_to_regions(masks, (SIZE, SIZE))
        heat, ranks = xrai_segments.rank_regions(
            attr, regions, algorithm, area_threshold, min_pixel_diff
        )
        np.testing.assert_array_equal(heat, expected[0].astype(np.float32))
        np.testing.assert_array_equal(ranks, expected[1])


def test_xrai_matches_pair(model, images, targets, call_model_function_40):
    # PAIR's XRAI on our IG (its base_attribution) with its own segmentation and
    # defaults; then PAIR's XRAI end to end, with PAIR's IG.
    steps = 10
    heat = xrai(model, images, targets, steps=steps)
    ranks = xrai(model, images, targets, steps=steps, ranks=True)
    assert heat.shape == ranks.shape == (N, SIZE, SIZE)
    assert heat.dtype == np.float32 and ranks.dtype == np.int32
    ig = _pair_ig(model, images, targets, steps)
    params = saliency.XRAIParameters(steps=steps)
    params.return_xrai_segments = True
    for i, x in enumerate(images):
        call_args = {"target": int(targets[i])}
        expected = saliency.XRAI().GetMaskWithDetails(
            x, call_model_function_40, call_args, base_attribution=ig[i], extra_parameters=params
        )
        assert relative_error(heat[i], expected.attribution_mask) <= 1e-4
        np.testing.assert_array_equal(ranks[i], expected.segments)
        assert ranks[i].max() > 5
        own = saliency.XRAI().GetMask(
            x, call_model_function_40, call_args, batch_size=steps, extra_parameters=params
        )
        assert relative_error(heat[i], own) <= 1e-4


@pytest.fixture(scope="module")
def call_model_function_40(model):
    return pair_call_model_function(model)


def test_batching_does_not_change_the_result(model, images, targets, pair_segments):
    # Small chunks, large chunks, and each image alone (segments given: the
    # segmentation is per image anyway).
    common = {"steps": 6, "segments": pair_segments}
    batched = xrai(model, images, targets, batch_size=1000, **common)
    np.testing.assert_allclose(
        xrai(model, images, targets, batch_size=4, **common), batched, rtol=1e-4, atol=1e-7
    )
    for i in range(N):
        alone = xrai(
            model, images[i : i + 1], targets[i : i + 1], steps=6, segments=pair_segments[i : i + 1]
        )
        np.testing.assert_allclose(alone[0], batched[i], rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize(
    "base, params",
    [
        (guided_integrated_gradients, {"steps": 8}),
        (functools.partial(smoothgrad, base=integrated_gradients, nsamples=2, seed=0, steps=4), {}),
    ],
    ids=["guided_ig", "smoothgrad_ig"],
)
def test_other_bases(model, images, targets, pair_segments, base, params):
    # A base without `baseline` runs once; with one, once per baseline (PAIR's
    # default pair), `steps` passed on when it takes it.
    ours = xrai(model, images, targets, base=base, segments=pair_segments, **params)
    if "steps" in params:
        lows = images.min(axis=(1, 2, 3), keepdims=True)
        highs = images.max(axis=(1, 2, 3), keepdims=True)
        runs = [base(model, images, targets, baseline=b, **params) for b in (lows, highs)]
        attributions = np.mean(np.stack(runs), axis=0)
    else:
        attributions = base(model, images, targets)
    expected = xrai(model, images, attributions=attributions, segments=pair_segments)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-7)


def test_given_attributions_and_baselines(model, images, targets, pair_segments):
    zeros = np.zeros_like(images)
    ig = integrated_gradients(model, images, targets, steps=5, baseline=zeros)
    given = xrai(model, images, attributions=ig.max(axis=-1), segments=pair_segments)
    np.testing.assert_array_equal(
        xrai(model, images, attributions=ig, segments=pair_segments), given
    )
    np.testing.assert_allclose(
        xrai(model, images, targets, steps=5, baselines=[zeros], segments=pair_segments),
        given,
        rtol=1e-4,
    )


def test_missing_scikit_image_names_the_extra():
    script = """
import sys
import warnings
sys.modules["skimage"] = None
import numpy as np
from tensorboard_plugin_saliency.methods import xrai
model = lambda x: x[:, 0, 0, :]  # scores: the top-left pixel's channels
images = np.random.default_rng(0).random((2, 8, 8, 3)).astype(np.float32)
try:
    xrai(model, images, steps=2)
except ImportError as e:
    print("ERROR", e)
masks = [[np.ones((8, 8), bool)]] * 2
print("SHAPE", xrai(model, images, steps=2, segments=masks, min_pixel_diff=1).shape)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ERROR xrai: segmenting images needs scikit-image" in done.stdout
    assert "pip install tensorboard-plugin-saliency[xrai]" in done.stdout
    assert "SHAPE (2, 8, 8)" in done.stdout


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"algorithm": "slow"}, ValueError, "algorithm: expected one of"),
        ({"area_threshold": 1.5}, ValueError, r"area_threshold: expected a number in \[0, 1\]"),
        ({"min_pixel_diff": 0}, ValueError, "min_pixel_diff: expected an int >= 1"),
        ({"steps": 0}, ValueError, "steps: expected an int >= 1"),
        ({"attributions": np.zeros((N, 7, 7))}, ValueError, "attributions: expected floats"),
        ({"segments": [[]]}, ValueError, "segments: expected one list of masks per image"),
        (
            {"segments": [[np.ones((4, 4), bool)]] * N},
            ValueError,
            r"segments: expected boolean masks of shape \(40, 40\)",
        ),
        ({"base": "nope"}, TypeError, "base: expected a saliency method"),
    ],
)
def test_clear_errors(model, images, params, error, match):
    with pytest.raises(error, match=match):
        xrai(model, images, **params)


def test_target_reaches_the_base(model, images, pair_segments):
    # target= and output= go to the base method as given.
    target = methods.decrease(2)
    ours = xrai(model, images, target=target, output=0, steps=4, segments=pair_segments)
    lows = images.min(axis=(1, 2, 3), keepdims=True)
    highs = images.max(axis=(1, 2, 3), keepdims=True)
    runs = [
        integrated_gradients(model, images, target=target, steps=4, baseline=b)
        for b in (lows, highs)
    ]
    expected = xrai(
        model, images, attributions=np.mean(np.stack(runs), axis=0), segments=pair_segments
    )
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-7)
    assert not np.allclose(ours, xrai(model, images, steps=4, segments=pair_segments))


def test_a_flat_image_is_segmented_without_nans(model):
    flat = np.full((1, SIZE, SIZE, 3), 0.5, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        regions = xrai_segments.felzenszwalb_regions(flat[0])
    assert len(regions) >= 6  # one region per scale at least
    heat = xrai(model, flat, steps=2)
    assert np.all(heat == 0)  # both baselines are the image: no attribution


def test_a_base_of_another_resolution_is_refused(model, images):
    with pytest.raises(ValueError, match="base grad_cam's attributions: expected floats of shape"):
        xrai(model, images, base=methods.grad_cam, segments=[[np.ones((SIZE, SIZE), bool)]] * N)


def test_smoothgrad_over_xrai_is_refused_with_the_way_round():
    from tensorboard_plugin_saliency import methods

    with pytest.raises(TypeError, match="functools.partial"):
        methods.smoothgrad(lambda x: x[:, 0, 0, :], np.zeros((1, 4, 4, 3)), base=methods.xrai)
