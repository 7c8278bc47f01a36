"""Guided backprop, deconvnet and guided Grad-CAM: against ReLU gradients written out
with `tf.custom_gradient`, their defining properties, what they refuse, the user's
model left alone, batching, and SmoothGrad over them."""

import gc
import weakref

import keras
import numpy as np
import pytest
import tensorflow as tf

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import (
    deconvnet,
    guided_backprop,
    guided_grad_cam,
    relu_rewrite,
)

N, SIZE, CLASSES = 5, 12, 4


@tf.custom_gradient
def reference_guided(x):
    def grad(dy):
        return tf.cast(dy > 0, dy.dtype) * tf.cast(x > 0, dy.dtype) * dy

    return tf.nn.relu(x), grad


@tf.custom_gradient
def reference_deconvnet(x):
    def grad(dy):
        return tf.maximum(dy, 0.0)

    return tf.nn.relu(x), grad


def relu_cnn():
    """Every form of ReLU: a convolution's activation, Activation("relu"), ReLU(),
    and a Dense layer's activation; softmax-free logits."""
    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            keras.layers.Conv2D(6, 3, activation="relu", name="conv1"),
            keras.layers.Conv2D(6, 3, name="conv2"),
            keras.layers.Activation("relu", name="act"),
            keras.layers.Conv2D(6, 3, name="conv3"),
            keras.layers.ReLU(name="relu"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(8, activation="relu", name="hidden"),
            keras.layers.Dense(CLASSES, name="logits"),
        ]
    )


def direct(model, images, classes, relu):
    """The model's computation written out in TF ops, with `relu` for each ReLU, and
    d score / d input through it."""
    layer = model.get_layer

    def conv(h, name):
        return tf.nn.conv2d(h, layer(name).kernel, 1, "VALID") + layer(name).bias

    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = relu(conv(relu(conv(relu(conv(x, "conv1")), "conv2")), "conv3"))
        h = tf.reshape(h, [len(images), -1])
        h = relu(h @ layer("hidden").kernel + layer("hidden").bias)
        scores = h @ layer("logits").kernel + layer("logits").bias
        picked = tf.gather(scores, classes, batch_dims=1)
    return tape.gradient(picked, x).numpy()


@pytest.fixture(scope="module")
def model():
    return relu_cnn()


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(4).standard_normal((N, SIZE, SIZE, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def classes(model, images):
    return np.argmax(model(images).numpy(), axis=1)


@pytest.mark.parametrize(
    "method, relu", [(guided_backprop, reference_guided), (deconvnet, reference_deconvnet)]
)
def test_each_form_of_relu_is_rewritten_as_written_out(model, images, classes, method, relu):
    expected = direct(model, images, classes, relu)
    other = (classes + 1) % CLASSES
    actual = method(model, images)  # default: the predicted classes
    assert actual.dtype == np.float32 and actual.shape == images.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        method(model, images, other), direct(model, images, other, relu), rtol=1e-5, atol=1e-7
    )


def test_the_rules_differ_from_each_other_and_from_gradients(model, images):
    guided, deconv = guided_backprop(model, images), deconvnet(model, images)
    plain = methods.gradients(model, images)
    assert not np.allclose(guided, deconv)
    assert not np.allclose(guided, plain) and not np.allclose(deconv, plain)


def test_a_relu_on_the_input_passes_back_only_positive_gradients():
    # Input -> ReLU -> Dense: d score / d x = w for x > 0 with plain gradients.
    keras.utils.set_random_seed(5)
    model = keras.Sequential(
        [keras.Input((4, 4, 2)), keras.layers.ReLU(), keras.layers.Flatten(), keras.layers.Dense(3)]
    )
    x = np.random.default_rng(6).standard_normal((N, 4, 4, 2)).astype(np.float32)
    w = model.layers[-1].kernel.numpy()[:, 1].reshape(4, 4, 2)
    guided, deconv = guided_backprop(model, x, 1), deconvnet(model, x, 1)
    # Guided: the positive gradient, only where the ReLU's input was positive.
    np.testing.assert_array_equal(guided, np.maximum(w, 0) * (x > 0))
    # Deconvnet: the positive gradient wherever the input was.
    np.testing.assert_array_equal(deconv, np.broadcast_to(np.maximum(w, 0), x.shape))
    assert np.all(guided >= 0) and np.any(w < 0) and np.any((x <= 0) & (deconv > 0))


def test_nested_models_are_rewritten(model, images, classes):
    keras.utils.set_random_seed(7)
    inputs = keras.Input((SIZE, SIZE, 3))
    outer = keras.Model(inputs, model(inputs))
    np.testing.assert_allclose(
        guided_backprop(outer, images, classes),
        guided_backprop(model, images, classes),
        rtol=1e-6,
        atol=1e-8,
    )


class Custom(keras.layers.Layer):
    def call(self, x):
        return tf.nn.relu(x)


def _with(layer):
    return keras.Sequential(
        [keras.Input((SIZE, SIZE, 3)), layer, keras.layers.Flatten(), keras.layers.Dense(2)]
    )


@pytest.mark.parametrize(
    "layer, why",
    [
        (keras.layers.Lambda(tf.nn.relu, name="lam"), r"'lam' \(Lambda\): its computation"),
        (Custom(name="mine"), r"'mine' \(Custom\): it is a custom layer"),
        (keras.layers.ReLU(max_value=6.0, name="six"), r"'six' \(ReLU\): .*max_value=6.0"),
        (keras.layers.Activation("gelu", name="g"), r"'g' \(Activation\): .*'gelu' is not"),
        (keras.layers.Conv2D(2, 3, activation="relu6", name="c"), r"'c' \(Conv2D\): .*relu6"),
        (keras.layers.LeakyReLU(name="leaky"), r"'leaky' \(LeakyReLU\): .*rectifier"),
        (
            keras.layers.TimeDistributed(keras.layers.Dense(2, activation="relu"), name="td"),
            r"'td' \(TimeDistributed\): it holds layer",
        ),
    ],
    ids=["lambda", "custom", "relu6", "gelu", "conv-relu6", "leaky", "wrapper"],
)
def test_a_relu_it_cannot_rewrite_is_an_error_naming_the_layer(images, layer, why):
    model = _with(layer)
    for method in (guided_backprop, deconvnet, guided_grad_cam):
        with pytest.raises(
            ValueError, match=r"model: \w+ cannot rewrite the ReLUs of layer " + why
        ):
            method(model, images)


def test_errors_name_the_path_of_a_nested_layer_and_the_kinds_of_model(images):
    inner = keras.Sequential([keras.layers.Lambda(tf.nn.relu, name="lam")], name="block")
    with pytest.raises(ValueError, match="layer 'block/lam'"):
        guided_backprop(_with(inner), images)

    class Subclassed(keras.Model):
        def call(self, x):
            return tf.reduce_sum(tf.nn.relu(x), axis=(1, 2))

    for model in (Subclassed(), lambda x: tf.reduce_sum(x, axis=(1, 2))):
        with pytest.raises(TypeError, match="model: deconvnet needs a Sequential or functional"):
            deconvnet(model, images, 0)


def test_sigmoid_softmax_and_tanh_keep_their_gradients(images):
    keras.utils.set_random_seed(8)
    model = keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            keras.layers.Conv2D(2, 3, activation="tanh"),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    np.testing.assert_allclose(
        guided_backprop(model, images), methods.gradients(model, images), rtol=1e-6, atol=1e-9
    )


def test_the_users_model_is_left_alone_and_its_training_is_seen(images, classes):
    model = relu_cnn()
    conv1 = model.get_layer("conv1")
    nodes = [len(layer._inbound_nodes) for layer in model.layers]
    before = methods.gradients(model, images, classes)
    guided_backprop(model, images, classes)
    deconvnet(model, images, classes)
    np.testing.assert_array_equal(methods.gradients(model, images, classes), before)
    assert conv1.activation is keras.activations.relu
    assert [len(layer._inbound_nodes) for layer in model.layers] == nodes
    assert len(model.weights) == 10 and model.get_layer("act").activation is keras.activations.relu
    # The copy shares the weights: a training step's change is seen.
    conv1.kernel.assign(conv1.kernel * -0.5)
    np.testing.assert_allclose(
        guided_backprop(model, images, classes),
        direct(model, images, classes, reference_guided),
        rtol=1e-5,
        atol=1e-7,
    )


def test_the_copy_is_cached_and_does_not_keep_the_model_alive():
    model = relu_cnn()
    copy = relu_rewrite.rewritten(model, "guided", "guided_backprop")
    assert relu_rewrite.rewritten(model, "guided", "guided_backprop") is copy
    assert relu_rewrite.rewritten(model, "deconvnet", "deconvnet") is not copy
    ref = weakref.ref(model)
    del model, copy
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("method", [guided_backprop, deconvnet, guided_grad_cam])
def test_batch_size_does_not_change_the_result(model, images, classes, method):
    np.testing.assert_allclose(
        method(model, images, classes, batch_size=2),
        method(model, images, classes, batch_size=64),
        rtol=1e-5,
        atol=1e-7,
    )


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_guided_grad_cam_is_guided_backprop_times_upsampled_grad_cam(
    model, images, classes, interpolation
):
    sub = keras.Model(model.inputs[0], [model.get_layer("relu").output, model.outputs[0]])
    with tf.GradientTape() as tape:
        acts, scores = sub(images)
        picked = tf.gather(scores, classes, batch_dims=1)
    weights = tf.reduce_mean(tape.gradient(picked, acts), axis=(1, 2))
    cams = tf.nn.relu(tf.einsum("nhwc,nc->nhw", acts, weights))
    upsampled = tf.image.resize(cams[..., None], (SIZE, SIZE), method=interpolation).numpy()
    expected = direct(model, images, classes, reference_guided) * upsampled
    # The default layer: the last convolution with the layers after it (act, relu).
    actual = guided_grad_cam(model, images, interpolation=interpolation)
    assert actual.dtype == np.float32 and actual.shape == images.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-7)
    assert not np.allclose(guided_grad_cam(model, images, layer="conv1"), actual)
    with pytest.raises(ValueError, match="interpolation: expected one of"):
        guided_grad_cam(model, images, interpolation="cubic")


@pytest.mark.parametrize("base", [guided_backprop, deconvnet, guided_grad_cam])
def test_smoothgrad_over_them(model, images, classes, base):
    noise = 0.1 * np.random.default_rng(9).standard_normal((2,) + images.shape)
    noise = noise.astype(np.float32)
    smoothed = methods.smoothgrad(
        model, images, classes, base=base, nsamples=2, noise=noise, magnitude=False
    )
    expected = np.mean([base(model, images + e, classes) for e in noise], axis=0)
    np.testing.assert_allclose(smoothed, expected, rtol=1e-5, atol=1e-7)
    assert methods.smoothgrad(model, images, base=base, nsamples=2, seed=0).shape == images.shape


def test_captum_on_the_same_torch_model_agrees(model, images, classes):
    torch = pytest.importorskip("torch")
    captum = pytest.importorskip("captum.attr")

    def copied(name, make):  # a torch layer with the Keras layer's weights
        layer = model.get_layer(name)
        kernel, bias = (torch.tensor(v.numpy()) for v in (layer.kernel, layer.bias))
        made = make(kernel)
        made.weight.data = kernel.permute(3, 2, 0, 1) if kernel.dim() == 4 else kernel.T
        made.weight.data, made.bias.data = made.weight.data.contiguous(), bias
        return made

    def conv(name):
        return [copied(name, lambda k: torch.nn.Conv2d(k.shape[2], k.shape[3], 3)), torch.nn.ReLU()]

    class ToChannelsLast(torch.nn.Module):  # Keras' Flatten order
        def forward(self, x):
            return x.permute(0, 2, 3, 1)

    dense = [copied(name, lambda k: torch.nn.Linear(*k.shape)) for name in ("hidden", "logits")]
    net = torch.nn.Sequential(
        *conv("conv1"), *conv("conv2"), *conv("conv3"), ToChannelsLast(), torch.nn.Flatten(),
        dense[0], torch.nn.ReLU(), dense[1],
    ).eval()  # fmt: skip
    x, target = torch.tensor(images).permute(0, 3, 1, 2).contiguous(), torch.tensor(classes)
    for ours, theirs in [
        (guided_backprop, captum.GuidedBackprop),
        (deconvnet, captum.Deconvolution),
    ]:
        expected = theirs(net).attribute(x, target=target).permute(0, 2, 3, 1).numpy()
        np.testing.assert_allclose(ours(model, images, classes), expected, rtol=1e-4, atol=1e-6)
