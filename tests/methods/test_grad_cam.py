"""Grad-CAM: parity with PAIR, the layer it picks by default, and layer errors."""

import keras
import numpy as np
import pytest
import saliency.core as saliency
from methods_testing import (
    CLASSES,
    C,
    H,
    N,
    W,
    conv_then_pooling,
    explicit_cam,
    pair_masks,
    relative_error,
)

from tensorboard_plugin_saliency import methods


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


def test_default_layer_is_the_convolution_not_the_pooling(images):
    model = conv_then_pooling()
    assert methods.grad_cam_layer(model).name == "conv"
    assert methods.method_params("grad_cam", model=model) == {"layer": "conv"}
    cam = methods.grad_cam(model, images)
    assert cam.shape == (N, H - 2, W - 2)
    np.testing.assert_allclose(cam, explicit_cam(model, "conv", images), rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(cam, methods.grad_cam(model, images, layer="conv"))
    # Named explicitly, a pooling layer is still allowed.
    assert methods.grad_cam(model, images, layer="pool").shape == (N, (H - 2) // 2, (W - 2) // 2)


def test_default_layer_is_the_output_of_the_last_convolution_block():
    layers = keras.layers
    keras.utils.set_random_seed(3)
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
    recorded = methods.method_params("smoothgrad", model=nested, base=methods.grad_cam)
    assert recorded["layer"] == "block"


@pytest.mark.parametrize(
    "layer, match",
    [
        (
            "nope",
            r"layer: .*got 'nope' \(the model has no such layer\).*: conv \[14, 14, 6\], pool",
        ),
        ("gap", r"layer: .*got 'gap' \(its output has shape \(None, 6\)\).*: conv \[14, 14, 6\]"),
        (keras.layers.Conv2D(2, 3, name="elsewhere"), r"got <Conv2D.*: conv \[14, 14, 6\], pool"),
    ],
)
def test_layer_errors_name_the_layer_and_the_candidates(images, layer, match):
    with pytest.raises(ValueError, match=match):
        methods.grad_cam(conv_then_pooling(), images, layer=layer)


def test_clear_errors(model, images):
    with pytest.raises(ValueError, match=r"layer: .*got 'nope'.*: conv1 \[.*\], conv2 \["):
        methods.grad_cam(model, images, layer="nope")
    with pytest.raises(TypeError, match="Keras model"):
        methods.grad_cam(lambda y: model(y), images)
    with pytest.raises(ValueError, match=r"found no layer with a spatial output .* \(.*: none\)"):
        methods.grad_cam_layer(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))
