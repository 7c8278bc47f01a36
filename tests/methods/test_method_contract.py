"""The contract every method keeps on both frameworks, checked over the table
`methods_testing.CASES`: shapes and dtype, default targets, results independent of
batching, and clear errors for the arguments all methods share. Each test runs on a
Keras model (`methods`) and on a PyTorch module (`torch.methods`) of the same shape."""

import numpy as np
import pytest
import tensorflow as tf
import torch
from methods_testing import CASES, CLASSES, H, N, W, small_torch_cnn

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import table
from tensorboard_plugin_saliency.torch import methods as torch_methods

NAMES = [name for name, _ in CASES]


class Framework:
    """One framework's functions, model and image layout."""

    def __init__(self, name, functions, model, images):
        self.name, self.functions, self.model, self.images = name, functions, model, images

    def __repr__(self):
        return self.name


@pytest.fixture(scope="module", params=["keras", "torch"])
def side(request, model, images):
    if request.param == "keras":
        return Framework("keras", methods.METHODS, model, images)
    return Framework(
        "torch", torch_methods.METHODS, small_torch_cnn(), images.transpose(0, 3, 1, 2).copy()
    )


def _expected_shape(name, images):
    """The shape the table says the method returns: a layer's map (the second
    convolution's, 12 x 12), a map of the image, or attributions like the images."""
    returns = table.METHODS[name].returns
    if returns == "[N, h, w]":
        return (N, H - 4, W - 4)
    return (N, H, W) if returns == "[N, H, W]" else images.shape


def test_the_table_covers_every_method():
    assert sorted(NAMES) == sorted(methods.METHODS) == sorted(table.METHODS)
    assert sorted(torch_methods.METHODS) == sorted(table.METHODS)


@pytest.mark.parametrize("name, params", CASES, ids=NAMES)
def test_shapes_dtypes_and_default_targets(side, name, params):
    method, model, images = side.functions[name], side.model, side.images
    result = method(model, images, **params)
    assert result.shape == _expected_shape(name, images)
    assert result.dtype == np.float32
    assert np.all(np.isfinite(result)) and np.any(result != 0)
    targets = np.argmax(_scores(side), axis=1)
    tensor = tf.constant(images) if side.name == "keras" else torch.as_tensor(images)
    np.testing.assert_allclose(method(model, tensor, targets, **params), result, atol=1e-6)
    other = (targets + 1) % CLASSES
    if table.METHODS[name].explains_target:
        assert not np.allclose(method(model, images, other, **params), result)
    else:  # the same map whatever is explained
        np.testing.assert_allclose(method(model, images, other, **params), result, atol=1e-6)


def _scores(side):
    if side.name == "keras":
        return np.asarray(side.model(side.images))
    with torch.no_grad():
        return side.model(torch.as_tensor(side.images)).numpy()


@pytest.mark.parametrize("name, params", CASES, ids=NAMES)
def test_batch_size_does_not_change_the_result(side, name, params):
    method, model, images = side.functions[name], side.model, side.images
    np.testing.assert_allclose(
        method(model, images, batch_size=1, **params),
        method(model, images, batch_size=1000, **params),
        rtol=1e-4,
        atol=1e-7,
    )


@pytest.mark.parametrize("name, params", CASES, ids=NAMES)
def test_a_batch_gives_each_image_its_own_result(side, name, params):
    method, model, images = side.functions[name], side.model, side.images
    targets = np.argmax(_scores(side), axis=1)
    if name == "smoothgrad":  # The same noise for each image, alone or in the batch.
        noise = 0.1 * np.random.default_rng(5).standard_normal((3,) + images.shape)
        params = {"nsamples": 3, "noise": noise.astype(np.float32)}
    batched = method(model, images, targets, **params)
    for i in range(N):
        alone = dict(params, noise=params["noise"][:, i : i + 1]) if "noise" in params else params
        np.testing.assert_allclose(
            method(model, images[i : i + 1], targets[i : i + 1], **alone)[0],
            batched[i],
            rtol=1e-4,
            atol=1e-6,
        )


BAD_INPUTS = [
    (
        lambda m, x: (m, x[0], None),
        ValueError,
        r"images: expected shape \[N, (H, W, C|C, H, W)\], got shape \((16, 16, 3|3, 16, 16)\)",
    ),
    (lambda m, x: (m, x[:0], None), ValueError, "at least one"),
    (lambda m, x: (m, "abc", None), TypeError, "images"),
    (lambda m, x: ("model", x, None), TypeError, "model"),
    (
        lambda m, x: (m, x, [0, 1]),
        ValueError,
        r"targets: expected 3 class indices .* got shape \(2,\)",
    ),
    (lambda m, x: (m, x, [0.5, 1, 2]), TypeError, "targets"),
    (lambda m, x: (m, x, [0, 1, 9]), ValueError, r"targets: expected class indices in \[0, 5\)"),
]


@pytest.mark.parametrize("name, params", CASES, ids=NAMES)
@pytest.mark.parametrize("arguments, error, match", BAD_INPUTS)
def test_clear_errors_for_shared_arguments(side, name, params, arguments, error, match):
    with pytest.raises(error, match=match):
        side.functions[name](*arguments(side.model, side.images), **params)


@pytest.mark.parametrize("name, params", CASES, ids=NAMES)
def test_one_hot_targets_are_their_argmax(side, name, params):
    method, model, images = side.functions[name], side.model, side.images
    targets = np.argmax(_scores(side), axis=1)
    one_hot = np.eye(CLASSES, dtype=np.float32)[targets]
    np.testing.assert_allclose(
        method(model, images, one_hot, **params),
        method(model, images, targets, **params),
        atol=1e-6,
    )


@pytest.mark.parametrize("name, params", CASES, ids=NAMES)
def test_batch_size_must_be_a_positive_int(side, name, params):
    with pytest.raises(ValueError, match="batch_size"):
        side.functions[name](side.model, side.images, batch_size=0, **params)
