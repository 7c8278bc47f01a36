"""ROAD (`faithfulness.road`): the removed pixels, the noisy linear imputation, the
curves against a direct loop, the same on Keras and PyTorch twins, a model that looks
at one region, repeatability, and the arguments. Equality with pytorch-grad-cam
1.5.7's ROAD is test_road_grad_cam_parity.py's."""

import importlib

import keras
import numpy as np
import pytest
import torch

from tensorboard_plugin_saliency import faithfulness

# The module (the package's name `road` is its function).
road = importlib.import_module("tensorboard_plugin_saliency.faithfulness.road")

N, H, W, C, CLASSES = 3, 12, 10, 3, 4
PERCENTAGES = (20, 50, 80)


def _torch_model():
    torch.manual_seed(5)
    return torch.nn.Sequential(
        torch.nn.Conv2d(C, 6, 3),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(6, CLASSES),
    ).eval()


def _keras_twin(model):
    """The same network in Keras (channels last), with the PyTorch model's weights."""
    twin = keras.Sequential(
        [
            keras.Input((H, W, C)),
            keras.layers.Conv2D(6, 3, activation="relu", name="conv"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(CLASSES, name="dense"),
        ]
    )
    conv, dense = model[0], model[4]
    twin.get_layer("conv").set_weights(
        [conv.weight.detach().numpy().transpose(2, 3, 1, 0), conv.bias.detach().numpy()]
    )
    twin.get_layer("dense").set_weights(
        [dense.weight.detach().numpy().T, dense.bias.detach().numpy()]
    )
    return twin


@pytest.fixture(scope="module")
def twins():
    """(PyTorch model, its Keras twin, images [N, H, W, C], masks [N, H, W], targets)."""
    model = _torch_model()
    rng = np.random.default_rng(1)
    images = rng.random((N, H, W, C)).astype(np.float32)
    masks = rng.standard_normal((N, H, W)).astype(np.float32)
    return model, _keras_twin(model), images, masks, np.array([0, 2, 3])


def _nchw(images):
    return torch.as_tensor(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# The removed pixels.


def test_removed_pixels_follow_pytorch_grad_cams_percentile_rule():
    rng = np.random.default_rng(0)
    values = rng.random((4, 16, 16)).astype(np.float32)
    values[1, :8] = 0.25  # a plateau of 128 pixels
    removed = road.removed_pixels(values, (10, 45, 90))
    assert removed.shape == (2, 3, 4, 16, 16) and removed.dtype == bool
    for i in range(4):
        for j, q in enumerate((10, 45, 90)):
            # RemoveMostRelevantFirst(percentile=100 - q): kept = values < threshold.
            threshold = np.percentile(values[i], 100 - q)
            assert np.array_equal(removed[0, j, i], ~(values[i] < threshold))
            threshold = np.percentile(-values[i], 100 - q)
            assert np.array_equal(removed[1, j, i], ~(-values[i] < threshold))
    # Distinct values: the share removed is the percentage (up to a pixel), the most
    # relevant first and the least relevant first.
    share = removed[:, :, 0].mean(axis=(2, 3))
    np.testing.assert_allclose(share, [[0.1, 0.45, 0.9]] * 2, atol=1 / 256)
    order = np.argsort(-values[0].ravel())
    assert removed[0, 0, 0].ravel()[order[:25]].all()
    assert removed[1, 0, 0].ravel()[order[-25:]].all()
    # A plateau at the threshold goes at once (MoRF at 45 % takes all its 128 pixels).
    assert removed[0, 1, 1, :8].all()


def test_removed_pixels_nest_as_the_percentage_grows():
    values = np.random.default_rng(1).standard_normal((2, 9, 7))
    removed = road.removed_pixels(values, (10, 30, 60, 95))
    assert np.all(removed[:, :-1] <= removed[:, 1:])


# The imputation.


def test_kept_pixels_are_unchanged_and_the_noise_is_seeded():
    rng = np.random.default_rng(2)
    images = rng.random((2, 11, 13, 3)).astype(np.float32)
    removed = rng.random((2, 11, 13)) < 0.4
    filled = road.noisy_linear_imputation(images, removed, noise=0.05, seed=4)
    assert filled.dtype == np.float32 and filled.shape == images.shape
    assert np.array_equal(filled[~removed], images[~removed])
    again = road.noisy_linear_imputation(images, removed, noise=0.05, seed=4)
    assert np.array_equal(filled, again)
    other = road.noisy_linear_imputation(images, removed, noise=0.05, seed=5)
    assert not np.array_equal(filled[removed], other[removed])
    exact = road.noisy_linear_imputation(images, removed, noise=0.0)
    # The noise: 0.05 times the documented draw, image by image.
    draws = np.random.default_rng(4)
    for i in range(2):
        draw = draws.standard_normal((int(removed[i].sum()), 3), np.float32)
        np.testing.assert_allclose(
            filled[i][removed[i]] - exact[i][removed[i]], 0.05 * draw, atol=1e-6
        )


def test_each_removed_pixel_is_the_weighted_mean_of_its_neighbours():
    rng = np.random.default_rng(3)
    images = rng.random((1, 9, 8, 2))
    removed = rng.random((1, 9, 8)) < 0.6
    filled = road.noisy_linear_imputation(images, removed, noise=0.0)[0].astype(np.float64)
    for r, c in zip(*np.nonzero(removed[0])):
        total, weight = 0.0, 0.0
        for (dr, dc), w in road.NEIGHBOURS:
            if 0 <= r + dr < 9 and 0 <= c + dc < 8:
                total, weight = total + w * filled[r + dr, c + dc], weight + w
        np.testing.assert_allclose(filled[r, c], total / weight, atol=1e-6)


def test_a_constant_or_a_linear_ramp_is_restored():
    removed = np.zeros((2, 14, 12), bool)
    removed[:, 3:11, 2:9] = True  # inside: every removed pixel has its 8 neighbours
    removed[:, 5, 5] = False
    constant = np.full((1, 14, 12, 2), 0.7, np.float32)
    filled = road.noisy_linear_imputation(constant, removed[:1], noise=0.0)
    np.testing.assert_allclose(filled, constant, atol=1e-6)
    rows, cols = np.mgrid[:14, :12]
    ramp = (0.05 * rows - 0.03 * cols + 0.2).astype(np.float32)[None, :, :, None]
    filled = road.noisy_linear_imputation(ramp, removed[:1], noise=0.0)
    np.testing.assert_allclose(filled, ramp, atol=1e-6)
    # With noise, the removed pixels scatter around the constant by about the noise.
    noisy = road.noisy_linear_imputation(constant, removed[:1], noise=0.02, seed=0)
    spread = noisy[0][removed[0]] - 0.7
    assert abs(spread.std() - 0.02) < 0.005 and abs(spread.mean()) < 0.005


def test_nothing_or_everything_removed():
    images = np.random.default_rng(4).random((2, 5, 6, 3)).astype(np.float32)
    removed = np.zeros((2, 5, 6), bool)
    removed[1] = True
    filled = road.noisy_linear_imputation(images, removed, noise=0.0)
    assert np.array_equal(filled[0], images[0])
    # No known value to spread: 0 (the least-norm solution of the singular system).
    assert np.array_equal(filled[1], np.zeros_like(images[1]))


# The curves.


def test_curves_equal_a_direct_loop(twins):
    _, model, images, masks, targets = twins
    result = faithfulness.road(
        model, images, masks, targets, percentages=PERCENTAGES, noise=0.0, random_baseline=False
    )
    assert isinstance(result, faithfulness.Road)
    np.testing.assert_array_equal(result.percentages, PERCENTAGES)
    removed = road.removed_pixels(masks, PERCENTAGES)
    rows = np.arange(N)
    original = _softmax(model.predict(images, verbose=0))[rows, targets]
    np.testing.assert_allclose(result.original, original, atol=1e-6)
    for side, curves in enumerate((result.morf_curves, result.lerf_curves)):
        assert curves.shape == (N, len(PERCENTAGES)) and curves.dtype == np.float64
        for j in range(len(PERCENTAGES)):
            filled = road.noisy_linear_imputation(images, removed[side, j], noise=0.0)
            expected = _softmax(model.predict(filled, verbose=0))[rows, targets]
            np.testing.assert_allclose(curves[:, j], expected, atol=1e-6)
    # The AUC is the trapezoid over the fraction removed, divided by its span.
    fractions = np.array(PERCENTAGES) / 100
    for curves, auc in (
        (result.morf_curves, result.morf_auc),
        (result.lerf_curves, result.lerf_auc),
    ):
        area = np.trapezoid(curves, fractions, axis=1) / (fractions[-1] - fractions[0])
        np.testing.assert_allclose(auc, area, atol=1e-12)
    changes = lambda curves: (curves - result.original[:, None]).mean(axis=1)  # noqa: E731
    np.testing.assert_allclose(
        result.combined, (changes(result.lerf_curves) - changes(result.morf_curves)) / 2, atol=1e-12
    )
    assert result.random_morf_curves is None and result.random_combined is None
    assert set(road.logged_scores(result)) == {
        "road_morf_auc",
        "road_lerf_auc",
        "road_combined",
        "road_morf_curve",
        "road_lerf_curve",
    }


def test_keras_and_pytorch_twins_score_the_same(twins):
    torch_model, keras_model, images, masks, targets = twins
    on_keras = faithfulness.road(keras_model, images, masks, targets, percentages=PERCENTAGES)
    on_torch = faithfulness.road(
        torch_model, _nchw(images), masks, targets, percentages=PERCENTAGES
    )
    for field in ("original", "morf_curves", "lerf_curves", "combined", "random_morf_auc"):
        np.testing.assert_allclose(getattr(on_keras, field), getattr(on_torch, field), atol=1e-5)
    scores = road.logged_scores(on_torch)
    assert set(scores) == {
        "road_morf_auc",
        "road_lerf_auc",
        "road_combined",
        "road_morf_curve",
        "road_lerf_curve",
        "road_morf_random_auc",
        "road_lerf_random_auc",
        "road_morf_random_curve",
        "road_lerf_random_curve",
    }
    assert scores["road_morf_random_curve"].shape == (N, len(PERCENTAGES))
    assert scores["road_combined"].shape == (N,)


def test_repeatable_with_a_seed(twins):
    _, model, images, masks, targets = twins
    first = faithfulness.road(model, images, masks, targets, percentages=PERCENTAGES, seed=3)
    again = faithfulness.road(model, images, masks, targets, percentages=PERCENTAGES, seed=3)
    other = faithfulness.road(model, images, masks, targets, percentages=PERCENTAGES, seed=4)
    for field in ("morf_curves", "lerf_curves", "random_morf_curves", "random_lerf_curves"):
        np.testing.assert_array_equal(getattr(first, field), getattr(again, field))
        assert not np.array_equal(getattr(first, field), getattr(other, field))
    # The noise of the mask's curves does not depend on whether the baseline is drawn.
    alone = faithfulness.road(
        model, images, masks, targets, percentages=PERCENTAGES, seed=3, random_baseline=False
    )
    np.testing.assert_array_equal(alone.morf_curves, first.morf_curves)


def test_a_mask_on_what_the_model_uses_beats_chance():
    # Class 0's logit is the mean of a 6 x 6 patch where the images are bright; the
    # mask points at the patch.
    h, w = 16, 16
    region = np.zeros((h, w), bool)
    region[5:11, 4:10] = True
    kernel = np.zeros((h * w * 1, 2), np.float32)
    kernel[region.ravel(), 0] = 40.0 / region.sum()
    model = keras.Sequential(
        [keras.Input((h, w, 1)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    model.layers[-1].set_weights([kernel, np.array([-10.0, 0.0], np.float32)])
    rng = np.random.default_rng(5)
    images = (0.2 * rng.random((4, h, w, 1)) + 0.8 * region[None, :, :, None]).astype(np.float32)
    masks = (region[None] + 0.1 * rng.random((4, h, w))).astype(np.float32)
    result = faithfulness.road(model, images, masks, np.zeros(4, int), seed=0)
    assert np.all(result.morf_auc < result.lerf_auc - 0.3)
    assert np.all(result.morf_auc < result.random_morf_auc)
    assert np.all(result.lerf_auc > result.random_lerf_auc)
    assert np.all(result.combined > 0.2)
    assert np.all(np.abs(result.random_combined) < np.abs(result.combined))
    # MoRF: once the patch is gone (20 % of the pixels are more than its 36), the
    # class is gone; LeRF keeps it until the patch goes (past 80 %).
    assert np.all(result.morf_curves[:, 1] < 0.1) and np.all(result.lerf_curves[:, 7] > 0.9)


# The arguments.

BAD = [
    ({"percentages": ()}, ValueError, "percentages: expected at least one"),
    ({"percentages": (0, 50)}, ValueError, "percentages: expected numbers in (0, 100), got 0"),
    ({"percentages": (50, 100)}, ValueError, "percentages: expected numbers in (0, 100), got 100"),
    ({"percentages": (50, 20)}, ValueError, "percentages: expected increasing numbers"),
    ({"percentages": (True,)}, TypeError, "percentages: expected numbers"),
    ({"percentages": "10"}, TypeError, "percentages: expected numbers"),
    ({"noise": -0.1}, ValueError, "noise: expected a standard deviation"),
    ({"noise": "0.1"}, ValueError, "noise: expected a standard deviation"),
    ({"seed": 1.5}, TypeError, "seed: expected an int or None"),
    ({"seed": -1}, ValueError, "seed: expected an int >= 0"),
    ({"score": "logit"}, ValueError, "score: expected one of"),
    ({"random_baseline": 1}, TypeError, "random_baseline: expected True or False"),
    ({"channel_reduction": "mean"}, ValueError, "channel_reduction: expected one of"),
]


@pytest.mark.parametrize("params, error, message", BAD)
def test_bad_arguments_are_refused(twins, params, error, message):
    _, model, images, masks, targets = twins
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        faithfulness.road(model, images, masks, targets, **params)


def test_bad_masks_and_imputation_arguments_are_refused(twins):
    _, model, images, masks, targets = twins
    with pytest.raises(ValueError, match="masks"):
        faithfulness.road(model, images, masks[:, :5, :8], targets)
    with pytest.raises(ValueError, match="masks.*not finite"):
        faithfulness.road(model, images, np.full_like(masks, np.nan), targets)
    removed = np.zeros((N, H, W), bool)
    with pytest.raises(ValueError, match="images: expected \\[N, H, W, C\\]"):
        road.noisy_linear_imputation(images[0], removed[0])
    with pytest.raises(TypeError, match="removed: expected a bool array"):
        road.noisy_linear_imputation(images, removed.astype(int))
    with pytest.raises(ValueError, match="removed: expected shape"):
        road.noisy_linear_imputation(images, removed[:, :5])
    with pytest.raises(ValueError, match="values: expected \\[N, H, W\\]"):
        road.removed_pixels(masks[0], (10,))
    with pytest.raises(TypeError, match="result: expected a Road"):
        road.logged_scores({})


def test_groups_and_chunks_give_the_same_result(twins, monkeypatch):
    # Imputed images scored in groups (a removal at a time), systems set up in chunks
    # (of about one image each) and their right-hand sides summed an image at a time:
    # the same numbers, the same noise.
    _, model, images, masks, targets = twins
    whole = faithfulness.road(model, images, masks, targets, percentages=PERCENTAGES, seed=1)
    monkeypatch.setattr(road, "_TABLE_BYTES", images.nbytes)
    monkeypatch.setattr(road, "_UNKNOWNS", H * W)
    monkeypatch.setattr(road, "_PIXELS", 1)
    parts = faithfulness.road(model, images, masks, targets, percentages=PERCENTAGES, seed=1)
    for field in ("original", "morf_curves", "lerf_curves", "random_morf_curves"):
        np.testing.assert_allclose(getattr(whole, field), getattr(parts, field), atol=1e-6)
