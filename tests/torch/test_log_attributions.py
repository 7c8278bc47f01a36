"""`tensorboard_plugin_saliency.torch.log_attributions`: Captum's values, our TF
methods' values on the same weights, the summary it writes, and the model left as it
was."""

import numpy as np
import pytest
import tensorflow as tf
import torch
from captum import attr

from tensorboard_plugin_saliency import methods, reader
from tensorboard_plugin_saliency.torch import METHODS, log_attributions

N, C, H, W, CLASSES = 4, 3, 14, 14, 3


def _torch_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(C, 6, 3),
        torch.nn.ReLU(),
        torch.nn.Conv2d(6, 8, 3),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(8, CLASSES),
    )


def _keras_twin(model):
    """The same network in Keras (NHWC), with the torch model's weights."""
    conv1, conv2, dense = model[0], model[2], model[6]
    keras_model = tf.keras.Sequential(
        [
            tf.keras.Input((H, W, C)),
            tf.keras.layers.Conv2D(6, 3, activation="relu"),
            tf.keras.layers.Conv2D(8, 3, activation="relu"),
            tf.keras.layers.GlobalAveragePooling2D(),
            tf.keras.layers.Dense(CLASSES),
        ]
    )
    for layer, conv in zip(keras_model.layers[:2], (conv1, conv2)):
        kernel = conv.weight.detach().numpy().transpose(2, 3, 1, 0)
        layer.set_weights([kernel, conv.bias.detach().numpy()])
    keras_model.layers[3].set_weights(
        [dense.weight.detach().numpy().T, dense.bias.detach().numpy()]
    )
    return keras_model


@pytest.fixture(scope="module")
def model():
    return _torch_model()


@pytest.fixture(scope="module")
def images():
    return torch.rand(N, C, H, W, generator=torch.Generator().manual_seed(1))


TARGETS = torch.tensor([0, 1, 2, 1])


def test_the_twins_agree(model, images):
    keras_model = _keras_twin(model)
    expected = model(images).detach().numpy()
    np.testing.assert_allclose(
        keras_model(images.numpy().transpose(0, 2, 3, 1)), expected, atol=1e-5
    )


def test_masks_equal_captums_and_are_written(model, images, tmp_path):
    masks = log_attributions(
        str(tmp_path),
        model,
        images,
        TARGETS,
        step=3,
        methods=("saliency", "integrated_gradients", "grad_cam"),
    )
    x = images.clone().requires_grad_()
    direct = {
        "saliency": attr.Saliency(model).attribute(x, target=TARGETS, abs=False),
        "integrated_gradients": attr.IntegratedGradients(model).attribute(
            x, baselines=0.0, target=TARGETS, n_steps=25, method="riemann_trapezoid"
        ),
        "grad_cam": attr.LayerGradCam(model, model[2]).attribute(
            x, target=TARGETS, relu_attributions=True
        )[:, 0],
    }
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.step == 3
    for name, expected in direct.items():
        expected = expected.detach().numpy()
        np.testing.assert_allclose(masks[name], expected, rtol=1e-5, atol=1e-7)
        reduced = expected.sum(axis=1) if expected.ndim == 4 else expected
        span = reduced.max() - reduced.min()
        # Stored as 16 bits over each mask's own range.
        np.testing.assert_allclose(record.masks[name], reduced, atol=span / 65535 + 1e-7)


def test_vanilla_and_ig_equal_our_tf_methods_on_the_same_weights(model, images, tmp_path):
    keras_model = _keras_twin(model)
    nhwc = images.numpy().transpose(0, 2, 3, 1)
    ours = log_attributions(
        str(tmp_path),
        model,
        images,
        TARGETS,
        step=0,
        methods={"saliency": {}, "integrated_gradients": {"steps": 25}},
    )
    tf_gradients = methods.gradients(keras_model, nhwc, TARGETS.numpy())
    saliency = ours["saliency"].transpose(0, 2, 3, 1)
    assert np.max(np.abs(saliency - tf_gradients)) / np.max(np.abs(tf_gradients)) < 1e-4
    # Our TF IG weighs the n path points (linspace(0, 1, n)) equally, 1/n each, as
    # PAIR; Captum's riemann_trapezoid takes the same points and weights but halves
    # the two ends'. From the same gradients: Captum = IG - (g(0) + g(x)) * x / (2n).
    n = 25
    tf_ig = methods.integrated_gradients(keras_model, nhwc, TARGETS.numpy(), steps=n)
    at_zero = methods.gradients(keras_model, np.zeros_like(nhwc), TARGETS.numpy())
    trapezoid = tf_ig - (at_zero + tf_gradients) * nhwc / (2 * n)
    captum_ig = ours["integrated_gradients"].transpose(0, 2, 3, 1)
    assert np.max(np.abs(captum_ig - trapezoid)) / np.max(np.abs(trapezoid)) < 1e-4


def test_training_state_is_left_as_it_was(images, tmp_path):
    model = _torch_model()
    model.train()
    loss = model(images).logsumexp(dim=1).sum()
    loss.backward()
    grads = [p.grad.clone() for p in model.parameters()]
    with torch.inference_mode():
        log_attributions(
            str(tmp_path), model, images, step=0, methods=("saliency", "smoothgrad", "grad_cam")
        )
    assert model.training
    for before, parameter in zip(grads, model.parameters()):
        assert torch.equal(before, parameter.grad)


def test_captions_provenance_and_instances(model, images, tmp_path):
    log_attributions(
        str(tmp_path),
        model,
        images,
        TARGETS,
        step=1,
        methods={"smoothgrad": {"nsamples": 4}, "deeplift": attr.DeepLift(model)},
        class_names=["cat", "dog", "fox"],
    )
    (record,) = reader.read_saliency(str(tmp_path))
    probabilities = torch.softmax(model(images), dim=1).detach().numpy()
    for i, label in enumerate(record.labels):
        predicted = probabilities[i].argmax()
        names = ["cat", "dog", "fox"]
        assert label == "true: %s · pred: %s %.2f" % (
            names[TARGETS[i]],
            names[predicted],
            probabilities[i, predicted],
        )
    assert record.method_params["smoothgrad"]["nsamples"] == 4
    assert record.method_params["smoothgrad"]["noise"] == 0.15
    assert record.method_params["smoothgrad"]["captum"].startswith("NoiseTunnel")
    assert record.method_params["deeplift"]["captum"] == "DeepLift"
    assert record.masks["deeplift"].shape == (N, H, W)


def test_every_named_method_runs(model, images, tmp_path):
    masks = log_attributions(str(tmp_path), model, images, step=0, methods=tuple(METHODS))
    assert sorted(masks) == sorted(METHODS)
    for name, values in masks.items():
        assert np.isfinite(values).all() and np.abs(values).max() > 0, name


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"methods": ("lime",)}, ValueError, "'lime' is not one of"),
        ({"methods": {"smoothgrad": {"samples": 3}}}, ValueError, "unknown parameter"),
        (
            {"methods": {"grad_cam": {"layer": "conv9"}}},
            ValueError,
            "layer 'conv9' is not a module",
        ),
        ({"step": 1.5}, TypeError, "step"),
        ({"images": torch.rand(3, 14, 14)}, ValueError, r"images: expected \[N, C, H, W\]"),
    ],
)
def test_clear_errors(model, images, tmp_path, kwargs, error, words):
    arguments = {"step": 0, "images": images, **kwargs}
    with pytest.raises(error, match=words):
        log_attributions(str(tmp_path), model, arguments.pop("images"), **arguments)
    assert not list(tmp_path.iterdir())  # nothing half-written
