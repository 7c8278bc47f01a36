"""Deletion and insertion curves: against a direct loop over images and steps, and
their arguments. (On the trained demo model, test_demo.py checks that the masks beat
the random baseline and that the object's region beats the background.)"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import ndimage

from tensorboard_plugin_saliency import faithfulness, methods

N, H, W, C, CLASSES = 3, 12, 10, 3, 4


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((H, W, C)),
            keras.layers.Conv2D(6, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(CLASSES),
        ]
    )


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).random((N, H, W, C)).astype(np.float32)


@pytest.fixture(scope="module")
def masks(images):
    return np.random.default_rng(2).standard_normal((N, H, W)).astype(np.float32)


def loop_curves(model, images, masks, classes, steps, kind, fill=0.0, blur=5.0, seed=None):
    """One image and one step at a time, in NumPy, as the papers describe it."""
    rng = None if seed is None else np.random.default_rng(seed)
    curves = []
    for image, mask, target in zip(images, masks, classes):
        # A random rank per pixel, or the pixels by mask value, most salient first.
        ranks = rng.permutation(H * W) if rng is not None else None
        order = np.argsort(-mask.ravel(), kind="stable")
        if kind == "deletion":
            start, source = image, np.full_like(image, fill)
        else:
            start = np.stack(
                [
                    ndimage.gaussian_filter(image[..., c].astype(np.float64), blur, mode="constant")
                    for c in range(C)
                ],
                axis=-1,
            )
            source = image
        curve = []
        for step in range(steps + 1):
            count = int(np.round(step * H * W / steps))
            x = start.reshape(-1, C).copy()
            if ranks is not None:
                taken = ranks < count
            else:
                taken = np.isin(np.arange(H * W), order[:count])
            x[taken] = source.reshape(-1, C)[taken]
            logits = model(x.reshape(1, H, W, C).astype(np.float32)).numpy()[0]
            curve.append(tf.nn.softmax(logits.astype(np.float64)).numpy()[target])
        curves.append(curve)
    curves = np.array(curves)
    fractions = np.round(np.arange(steps + 1) * H * W / steps) / (H * W)
    return curves, np.trapezoid(curves, fractions, axis=1)


@pytest.mark.parametrize("kind", ["deletion", "insertion"])
def test_curves_equal_a_loop_over_images_and_steps(model, images, masks, kind):
    classes = np.array([0, 2, 3])
    result = getattr(faithfulness, kind)(model, images, masks, classes, steps=7, seed=5)
    curves, auc = loop_curves(model, images, masks, classes, 7, kind)
    np.testing.assert_allclose(result.curves, curves, atol=1e-5)
    np.testing.assert_allclose(result.auc, auc, atol=1e-5)
    random_curves, random_auc = loop_curves(model, images, masks, classes, 7, kind, seed=5)
    np.testing.assert_allclose(result.random_curves, random_curves, atol=1e-5)
    np.testing.assert_allclose(result.random_auc, random_auc, atol=1e-5)
    assert result.fractions[0] == 0 and result.fractions[-1] == 1


def test_curve_ends(model, images, masks):
    """Deletion starts at the image's score and ends at the fill's; insertion starts
    at the blurred image's score and ends at the image's."""
    classes = np.array([1, 1, 1])
    probabilities = tf.nn.softmax(model(images)).numpy()[np.arange(N), classes]
    deleted = faithfulness.deletion(model, images, masks, classes, steps=4, fill=0.5)
    grey = tf.nn.softmax(model(np.full_like(images, 0.5))).numpy()[np.arange(N), classes]
    np.testing.assert_allclose(deleted.curves[:, 0], probabilities, atol=1e-6)
    np.testing.assert_allclose(deleted.curves[:, -1], grey, atol=1e-6)
    inserted = faithfulness.insertion(model, images, masks, classes, steps=4, blur=0)
    black = tf.nn.softmax(model(np.zeros_like(images))).numpy()[np.arange(N), classes]
    np.testing.assert_allclose(inserted.curves[:, 0], black, atol=1e-6)
    np.testing.assert_allclose(inserted.curves[:, -1], probabilities, atol=1e-6)


def test_batching_does_not_change_the_curves(model, images, masks):
    one = faithfulness.deletion(model, images, masks, steps=9, batch_size=5)
    many = faithfulness.deletion(model, images, masks, steps=9, batch_size=64)
    np.testing.assert_allclose(one.curves, many.curves, atol=1e-6)
    np.testing.assert_allclose(one.random_curves, many.random_curves, atol=1e-6)


def test_score_modes(model, images, masks):
    """ "output" records the logit itself; a model ending in softmax is not softmaxed twice."""
    classes = np.array([0, 1, 2])
    logits = faithfulness.deletion(model, images, masks, classes, steps=2, score="output")
    np.testing.assert_allclose(
        logits.curves[:, 0], model(images).numpy()[np.arange(N), classes], atol=1e-5
    )
    softmaxed = keras.Sequential([model, keras.layers.Softmax()])
    auto = faithfulness.deletion(softmaxed, images, masks, classes, steps=2)
    probability = faithfulness.deletion(model, images, masks, classes, steps=2)
    np.testing.assert_allclose(auto.curves, probability.curves, atol=1e-6)


def test_a_regression_target_scores_the_output(model, images, masks):
    result = faithfulness.deletion(
        model, images, masks, target=methods.decrease(1), steps=2, random_baseline=False
    )
    np.testing.assert_allclose(result.curves[:, 0], -model(images).numpy()[:, 1], atol=1e-5)
    assert result.random_curves is None and result.random_auc is None
    with pytest.raises(ValueError, match="score: 'probability' needs class targets"):
        faithfulness.deletion(model, images, masks, target=methods.decrease(1), score="probability")


def test_low_resolution_and_channel_masks_are_ranked_at_image_size(model, images):
    small = np.random.default_rng(4).random((N, 6, 5)).astype(np.float32)
    ranks = faithfulness.pixel_ranks(small, tf.constant(images))
    resized = tf.image.resize(small[..., None], (H, W), "bilinear").numpy()[..., 0]
    assert ranks.shape == (N, H, W)
    assert np.array_equal(
        np.argsort(ranks.reshape(N, -1), axis=1)[:, 0], resized.reshape(N, -1).argmax(1)
    )
    attributions = np.random.default_rng(5).standard_normal((N, H, W, C)).astype(np.float32)
    ranks = faithfulness.pixel_ranks(attributions, tf.constant(images), "abs_sum")
    first = np.abs(attributions).sum(-1).reshape(N, -1).argmax(1)
    assert np.all(ranks.reshape(N, -1)[np.arange(N), first] == 0)


def test_fills(model, images, masks):
    mean = faithfulness.deletion(model, images, masks, steps=1, fill="mean", score="output")
    colours = images.mean(axis=(1, 2), keepdims=True) * np.ones_like(images)
    classes = model(images).numpy().argmax(1)
    expected = model(colours).numpy()[np.arange(N), classes]
    np.testing.assert_allclose(mean.curves[:, -1], expected, atol=1e-5)
    blurred = faithfulness.deletion(
        model, images, masks, steps=1, fill="blur", blur=1.5, score="output"
    )
    inserted = faithfulness.insertion(model, images, masks, steps=1, blur=1.5, score="output")
    np.testing.assert_allclose(blurred.curves[:, -1], inserted.curves[:, 0], atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"masks": np.zeros((2, H, W))}, ValueError, "masks"),
        ({"masks": np.full((N, H, W), np.nan)}, ValueError, "not finite"),
        ({"fill": "grey"}, ValueError, "fill"),
        ({"fill": None}, ValueError, "fill: expected a number, 'mean' or 'blur'"),
        ({"steps": 0}, ValueError, "steps"),
        ({"score": "logit"}, ValueError, "score"),
        ({"blur": -1}, ValueError, "blur: expected a sigma"),
    ],
)
def test_clear_errors(model, images, masks, kwargs, error, match):
    arguments = {"masks": masks, **kwargs}
    with pytest.raises(error, match=match):
        faithfulness.deletion(model, images, arguments.pop("masks"), **arguments)
