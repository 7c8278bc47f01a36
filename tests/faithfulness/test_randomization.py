"""The model-randomisation check: its stages, its correlations, and the user's model
left as it was. (On the trained demo model, test_demo.py checks that IG's and
SmoothGrad's masks stop looking like the trained model's.)"""

import keras
import numpy as np
import pytest
from scipy.stats import spearmanr

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.faithfulness import randomization_check, spearman

H = 12


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((H, H, 3)),
            keras.layers.Conv2D(6, 3, activation="relu", name="conv1"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.Conv2D(6, 3, activation="relu", name="conv2"),
            keras.layers.GlobalAveragePooling2D(name="pool"),
            keras.layers.Dense(2, name="dense"),
        ]
    )


@pytest.fixture(scope="module")
def trained():
    """A model trained to tell a bright square in the left half from one in the right."""
    rng = np.random.default_rng(0)
    x = 0.3 * rng.random((200, H, H, 3)).astype(np.float32)
    y = rng.integers(0, 2, 200)
    for image, side in zip(x, y):
        row, col = rng.integers(2, H - 5), rng.integers(0, H // 2 - 3) + side * (H // 2)
        image[row : row + 3, col : col + 3] = 1.0
    model = _model()
    model.compile(
        keras.optimizers.Adam(1e-2),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    return model, x[:16], y[:16]


def test_the_users_model_is_untouched(trained):
    model, images, classes = trained
    before = [w.copy() for w in model.get_weights()]
    randomization_check(model, images, "gradients", classes)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_stages_cascade_from_the_top(trained):
    model, images, classes = trained
    result = randomization_check(model, images, "gradients", classes)
    assert result.layers == ("dense", "conv2", "norm", "conv1")
    assert result.correlations.shape == (4, 16)
    assert result.randomized.shape == (4, 16, H, H)
    assert randomization_check(model, images, "gradients", classes, layers="top").layers == (
        "dense",
    )
    chosen = randomization_check(model, images, "gradients", classes, layers=["conv1", "dense"])
    assert chosen.layers == ("conv1", "dense")


def test_gradients_stop_looking_like_the_trained_models(trained):
    """Measured: about 0.25 after the top layer alone, 0.41 once all are random (the
    gradients of a random network still follow the image's edges)."""
    model, images, classes = trained
    result = randomization_check(model, images, "gradients", classes)
    assert np.all(result.mean < 0.6), result.mean


def test_a_method_blind_to_the_model_fails_the_check(trained):
    """An "explanation" that is the image itself does not change with the weights."""
    model, images, classes = trained
    result = randomization_check(model, images, lambda m, x, t: np.asarray(x), classes)
    np.testing.assert_allclose(result.correlations, 1.0)


def test_seeded(trained):
    model, images, classes = trained
    a = randomization_check(model, images, "gradients", classes, seed=1)
    b = randomization_check(model, images, "gradients", classes, seed=1)
    c = randomization_check(model, images, "gradients", classes, seed=2)
    np.testing.assert_array_equal(a.correlations, b.correlations)
    assert not np.allclose(a.randomized[-1], c.randomized[-1])


def test_spearman_is_scipys_with_ties():
    rng = np.random.default_rng(3)
    for _ in range(5):
        a, b = np.round(rng.random(200) * 6), rng.random(200)
        assert spearman(a, b) == pytest.approx(spearmanr(a, b)[0], abs=1e-12)
    assert np.isnan(spearman(np.ones(10), rng.random(10)))


def test_method_parameters_callables_and_grad_cam(trained):
    model, images, classes = trained
    smooth = randomization_check(
        model, images, "smoothgrad", classes, params={"nsamples": 4, "seed": 0}, layers="top"
    )
    assert np.isfinite(smooth.correlations).all()
    called = randomization_check(
        model, images, lambda m, x, t: methods.gradient_x_input(m, x, t), classes, layers="top"
    )
    assert called.trained.shape == (16, H, H)
    cam = randomization_check(model, images, "grad_cam", classes, layers="top")
    assert cam.trained.shape == (16, 8, 8)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"method": "magic"}, ValueError, "method: expected a callable or one of"),
        ({"layers": ["pool"]}, ValueError, "'pool' is not a layer with weights; those are"),
        ({"layers": "bottom"}, TypeError, "layers: expected"),
    ],
)
def test_clear_errors(trained, kwargs, error, words):
    model, images, classes = trained
    arguments = {"method": "gradients", **kwargs}
    with pytest.raises(error, match=words):
        randomization_check(model, images, arguments.pop("method"), classes, **arguments)
