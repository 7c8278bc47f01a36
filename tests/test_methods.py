"""Tests for tensorboard_plugin_saliency.methods: parity with PAIR's saliency
0.2.1 (which explains one image at a time) and the batching properties."""

import numpy as np
import pytest
import tensorflow as tf
import keras
import saliency.core as saliency

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import engine

N, H, W, C, CLASSES = 3, 16, 16, 3, 5


def relative_error(actual, expected):
    return np.max(np.abs(actual - expected)) / np.max(np.abs(expected))


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input((H, W, C)),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv1"),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv2"),
            keras.layers.Flatten(),
            keras.layers.Dense(CLASSES),
        ]
    )


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((N, H, W, C)).astype(np.float32)


@pytest.fixture(scope="module")
def targets(model, images):
    return np.argmax(model(images).numpy(), axis=1)


@pytest.fixture(scope="module")
def call_model_function(model):
    """PAIR's interface to the Keras model; call_model_args = {"target": class}."""
    conv_and_scores = keras.Model(model.inputs, [model.get_layer("conv2").output, model.outputs[0]])

    def call(x, call_model_args=None, expected_keys=None):
        x = tf.convert_to_tensor(np.asarray(x, np.float32))
        target = call_model_args["target"]
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            conv, scores = conv_and_scores(x)
            score = scores[:, target]
        out = {}
        if saliency.INPUT_OUTPUT_GRADIENTS in expected_keys:
            out[saliency.INPUT_OUTPUT_GRADIENTS] = tape.gradient(score, x).numpy()
        if saliency.CONVOLUTION_LAYER_VALUES in expected_keys:
            out[saliency.CONVOLUTION_LAYER_VALUES] = conv.numpy()
            out[saliency.CONVOLUTION_OUTPUT_GRADIENTS] = tape.gradient(score, conv).numpy()
        if saliency.OUTPUT_LAYER_VALUES in expected_keys:
            out[saliency.OUTPUT_LAYER_VALUES] = score.numpy()
        return out

    return call


def pair_masks(get_mask, images, targets, call_model_function, **kwargs):
    return np.stack(
        [
            get_mask(x, call_model_function, {"target": int(t)}, **kwargs)
            for x, t in zip(images, targets)
        ]
    )


# --- Parity with PAIR saliency 0.2.1 -----------------------------------------


def test_gradients_match_pair(model, images, targets, call_model_function):
    expected = pair_masks(saliency.GradientSaliency().GetMask, images, targets, call_model_function)
    assert relative_error(methods.gradients(model, images), expected) <= 1e-4


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


def test_grad_cam_matches_pair(model, images, targets, call_model_function):
    expected = pair_masks(
        saliency.GradCam().GetMask,
        images,
        targets,
        call_model_function,
        should_resize=False,
        three_dims=False,
    )
    actual = methods.grad_cam(model, images)
    assert actual.shape == (N, H - 4, W - 4)
    assert relative_error(actual, expected) <= 1e-4
    np.testing.assert_array_equal(actual, methods.grad_cam(model, images, layer="conv2"))
    np.testing.assert_array_equal(
        actual, methods.grad_cam(model, images, layer=model.get_layer("conv2"))
    )


def test_occlusion_matches_pair(model, images, targets, call_model_function):
    expected = pair_masks(
        saliency.Occlusion().GetMask,
        images,
        targets,
        call_model_function,
        size=5,
        value=0.5,
    )
    actual = methods.occlusion(model, images, size=5, baseline=0.5, batch_size=50)
    assert relative_error(actual, expected) <= 1e-4


@pytest.mark.parametrize(
    "base, pair_method, magnitude, kwargs",
    [
        (methods.gradients, saliency.GradientSaliency(), True, {}),
        (methods.gradients, saliency.GradientSaliency(), False, {}),
        (
            methods.integrated_gradients,
            saliency.IntegratedGradients(),
            True,
            {"steps": 5},
        ),
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


# --- Properties ---------------------------------------------------------------

ALL = [
    ("gradients", {}),
    ("gradient_x_input", {}),
    ("smoothgrad", {"nsamples": 3, "seed": 0}),
    ("integrated_gradients", {"steps": 4}),
    ("blur_integrated_gradients", {"steps": 4, "max_sigma": 4.0}),
    ("grad_cam", {}),
    ("occlusion", {"size": 6, "stride": 3}),
]


@pytest.mark.parametrize("name, params", ALL)
def test_shapes_dtypes_and_default_targets(model, images, targets, name, params):
    method = methods.METHODS[name]
    result = method(model, images, **params)
    expected_shape = (N, H - 4, W - 4) if name == "grad_cam" else images.shape
    assert result.shape == expected_shape
    assert result.dtype == np.float32
    assert np.all(np.isfinite(result)) and np.any(result != 0)
    np.testing.assert_allclose(
        method(model, tf.constant(images), targets, **params), result, atol=1e-6
    )
    other = (targets + 1) % CLASSES
    assert not np.allclose(method(model, images, other, **params), result)


@pytest.mark.parametrize("name, params", ALL)
def test_batch_size_does_not_change_the_result(model, images, name, params):
    method = methods.METHODS[name]
    np.testing.assert_allclose(
        method(model, images, batch_size=1, **params),
        method(model, images, batch_size=1000, **params),
        rtol=1e-4,
        atol=1e-7,
    )


def test_smoothgrad_seed_reproducibility(model, images):
    first = methods.smoothgrad(model, images, nsamples=3, seed=7)
    np.testing.assert_array_equal(first, methods.smoothgrad(model, images, nsamples=3, seed=7))
    assert not np.allclose(first, methods.smoothgrad(model, images, nsamples=3, seed=8))


def test_gradient_x_input_and_ig_completeness(model, images):
    np.testing.assert_allclose(
        methods.gradient_x_input(model, images),
        methods.gradients(model, images) * images,
    )
    # IG sums to score(x) - score(baseline) as the steps grow.
    scores = model(images).numpy()
    targets = scores.argmax(1)
    gap = scores.max(1) - model(np.zeros_like(images)).numpy()[np.arange(N), targets]
    ig = methods.integrated_gradients(model, images, steps=200)
    np.testing.assert_allclose(ig.sum(axis=(1, 2, 3)), gap, rtol=0.05)


def test_plain_callable_model(model, images):
    np.testing.assert_allclose(
        methods.gradients(lambda x: model(x), images),
        methods.gradients(model, images),
        atol=1e-7,
    )


def test_params_for_provenance():
    assert methods.default_params("smoothgrad") == {
        "base": "gradients",
        "nsamples": 25,
        "stdev_spread": 0.15,
        "magnitude": True,
        "seed": None,
    }
    assert (
        methods.method_params("smoothgrad", base=methods.integrated_gradients, steps=10)["steps"]
        == 10
    )
    assert methods.default_params("integrated_gradients") == {
        "steps": 25,
        "baseline": None,
    }
    assert methods.default_params("occlusion") == {
        "size": 15,
        "stride": 1,
        "baseline": 0.0,
    }
    with pytest.raises(ValueError, match="name"):
        methods.default_params("nope")


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda m, x: methods.gradients(m, x[0]),
            ValueError,
            r"images: expected shape \[N, H, W, C\], got shape \(16, 16, 3\)",
        ),
        (lambda m, x: methods.gradients(m, x[:0]), ValueError, "at least one"),
        (lambda m, x: methods.gradients(m, "abc"), TypeError, "images"),
        (lambda m, x: methods.gradients("model", x), TypeError, "model"),
        (
            lambda m, x: methods.gradients(m, x, [0, 1]),
            ValueError,
            r"targets: expected 3 class indices .* got shape \(2,\)",
        ),
        (lambda m, x: methods.gradients(m, x, [0.5, 1, 2]), TypeError, "targets"),
        (
            lambda m, x: methods.gradients(m, x, [0, 1, 9]),
            ValueError,
            r"targets: expected class indices in \[0, 5\)",
        ),
        (lambda m, x: methods.gradients(m, x, batch_size=0), ValueError, "batch_size"),
        (
            lambda m, x: methods.smoothgrad(m, x, nsamples=0),
            ValueError,
            "nsamples: expected an int >= 1, got 0",
        ),
        (
            lambda m, x: methods.smoothgrad(m, x, nsamples=2, noise=np.zeros(3)),
            ValueError,
            r"noise: expected shape \(2, 3, 16, 16, 3\)",
        ),
        (lambda m, x: methods.smoothgrad(m, x, base="gradients"), TypeError, "base"),
        (lambda m, x: methods.integrated_gradients(m, x, steps=0), ValueError, "steps"),
        (
            lambda m, x: methods.integrated_gradients(m, x, baseline=np.zeros(7)),
            ValueError,
            "baseline",
        ),
        (
            lambda m, x: methods.blur_integrated_gradients(m, x, max_sigma=0),
            ValueError,
            "max_sigma",
        ),
        (
            lambda m, x: methods.grad_cam(m, x, layer="nope"),
            ValueError,
            r"layer: .*\['conv1', 'conv2'\]; got 'nope'",
        ),
        (lambda m, x: methods.grad_cam(lambda y: m(y), x), TypeError, "Keras model"),
        (
            lambda m, x: methods.occlusion(m, x, size=17),
            ValueError,
            "size: expected a window of at most min",
        ),
        (lambda m, x: methods.occlusion(m, x, stride=0), ValueError, "stride"),
    ],
)
def test_clear_errors(model, images, call, error, match):
    with pytest.raises(error, match=match):
        call(model, images)


def test_traced_functions_are_reused(model, images):
    def tracing_counts():
        return {
            key: fn.experimental_get_tracing_count() for key, fn in engine.TRACED[model].items()
        }  # pylint: disable=protected-access

    methods.integrated_gradients(model, images, steps=5, batch_size=4)
    methods.smoothgrad(model, images, nsamples=4, seed=0)
    before = tracing_counts()
    methods.integrated_gradients(model, images + 1, steps=5, batch_size=4)
    methods.integrated_gradients(model, images, [0, 1, 2], steps=5, batch_size=4)
    methods.smoothgrad(model, images, nsamples=4, seed=1)
    # Same shapes, new values: nothing retraces. (15 IG rows in chunks of <= 4
    # run as four chunks of 4, the last one padded: a single static shape.)
    assert tracing_counts() == before


# --- Grad-CAM's layer --------------------------------------------------------


def _conv_then_pooling():
    """Conv2D -> MaxPooling2D -> GlobalAveragePooling2D -> Dense: the last
    spatial layer is a pooling layer."""
    keras.utils.set_random_seed(2)
    return keras.Sequential(
        [
            keras.Input((H, W, C)),
            keras.layers.Conv2D(6, 3, activation="relu", name="conv"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(CLASSES, name="dense"),
        ]
    )


def _explicit_cam(model, layer_name, images):
    """Grad-CAM written out on one named layer, image by image."""
    sub = keras.Model(model.inputs[0], [model.get_layer(layer_name).output, model.outputs[0]])
    cams = []
    for x in images:
        with tf.GradientTape() as tape:
            acts, scores = sub(x[None])
            score = scores[0, int(np.argmax(scores[0]))]
        weights = tf.reduce_mean(tape.gradient(score, acts)[0], axis=(0, 1))
        cams.append(tf.nn.relu(tf.reduce_sum(acts[0] * weights, axis=-1)).numpy())
    return np.stack(cams)


def test_grad_cam_default_layer_is_the_convolution_not_the_pooling(images):
    model = _conv_then_pooling()
    assert methods.grad_cam_layer(model).name == "conv"
    assert methods.method_params("grad_cam", model=model) == {"layer": "conv"}
    cam = methods.grad_cam(model, images)
    assert cam.shape == (N, H - 2, W - 2)
    np.testing.assert_allclose(cam, _explicit_cam(model, "conv", images), rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(cam, methods.grad_cam(model, images, layer="conv"))
    # Named explicitly, a pooling layer is still allowed.
    assert methods.grad_cam(model, images, layer="pool").shape == (N, (H - 2) // 2, (W - 2) // 2)


def test_grad_cam_default_layer_is_the_output_of_the_last_convolution_block():
    keras.utils.set_random_seed(3)
    layers = keras.layers
    inputs = keras.Input((H, W, C))
    a = layers.Conv2D(4, 3, padding="same", name="conv_a")(inputs)
    b = layers.BatchNormalization(name="bn")(layers.Conv2D(4, 3, padding="same")(a))
    out = layers.ReLU(name="block_out")(layers.Add(name="add")([a, b]))
    pooled = layers.MaxPooling2D(name="pool")(out)
    scores = layers.Dense(CLASSES)(layers.GlobalAveragePooling2D()(pooled))
    assert methods.grad_cam_layer(keras.Model(inputs, scores)).name == "block_out"
    nested = keras.Sequential(
        [
            keras.Input((H, W, C)),
            keras.Sequential([layers.Conv2D(4, 3), layers.ReLU()], name="block"),
            layers.AveragePooling2D(2, name="pool"),
            layers.Flatten(),
            layers.Dense(CLASSES),
        ]
    )
    assert methods.grad_cam_layer(nested).name == "block"
    assert (
        methods.method_params("smoothgrad", model=nested, base=methods.grad_cam)["layer"] == "block"
    )


def test_grad_cam_layer_errors_name_the_layer_and_the_candidates(images):
    model = _conv_then_pooling()
    with pytest.raises(ValueError, match=r"\['conv', 'pool'\]; got 'gap' \(its output has shape"):
        methods.grad_cam(model, images, layer="gap")
    with pytest.raises(ValueError, match=r"\['conv', 'pool'\]; got 'nope' \(the model has no such"):
        methods.grad_cam(model, images, layer="nope")
    with pytest.raises(ValueError, match="no layer with a rank-4 output"):
        methods.grad_cam_layer(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))
