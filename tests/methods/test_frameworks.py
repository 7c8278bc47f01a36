"""One vocabulary for both frameworks: a small CNN with the same weights in Keras and
PyTorch gives the same mask under every name of the table (SmoothGrad with the same
noise), the same faithfulness scores, the same parameters accepted and refused with
the same messages, and the same provenance keys."""

import inspect

import keras
import numpy as np
import pytest
import torch

from tensorboard_plugin_saliency import faithfulness, methods
from tensorboard_plugin_saliency.methods import table
from tensorboard_plugin_saliency.torch import methods as torch_methods

N, H, W, C, CLASSES = 3, 16, 16, 3, 4

SMALL = {
    "smoothgrad": {"nsamples": 3},
    "integrated_gradients": {"steps": 6},
    "blur_integrated_gradients": {"steps": 6, "max_sigma": 4.0},
    "occlusion": {"size": 5, "stride": 2},
    "guided_integrated_gradients": {"steps": 6},
    "xrai": {"steps": 4},
}
"""Small parameters per method; every method of the table is run."""


def _torch_model():
    torch.manual_seed(3)
    return torch.nn.Sequential(
        torch.nn.Conv2d(C, 6, 3),
        torch.nn.ReLU(),
        torch.nn.Conv2d(6, 8, 3),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(8, CLASSES),
    ).eval()


def _keras_twin(model):
    """The same network in Keras (channels last), with the PyTorch model's weights."""
    twin = keras.Sequential(
        [
            keras.Input((H, W, C)),
            keras.layers.Conv2D(6, 3, activation="relu", name="conv1"),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv2"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.GlobalAveragePooling2D(name="gap"),
            keras.layers.Dense(CLASSES, name="dense"),
        ]
    )
    for name, conv in (("conv1", model[0]), ("conv2", model[2])):
        kernel = conv.weight.detach().numpy().transpose(2, 3, 1, 0)
        twin.get_layer(name).set_weights([kernel, conv.bias.detach().numpy()])
    dense = model[7]
    twin.get_layer("dense").set_weights(
        [dense.weight.detach().numpy().T, dense.bias.detach().numpy()]
    )
    return twin


@pytest.fixture(scope="module")
def twins():
    """(PyTorch model, its Keras twin, images [N, H, W, C] in [0, 1), targets)."""
    model = _torch_model()
    images = np.random.default_rng(7).random((N, H, W, C)).astype(np.float32)
    targets = np.array([0, 2, 3])
    return model, _keras_twin(model), images, targets


def _nchw(images):
    return torch.as_tensor(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))


def _channels_last(result):
    return result.transpose(0, 2, 3, 1) if result.ndim == 4 else result


def test_the_twins_compute_the_same_scores(twins):
    model, twin, images, _ = twins
    np.testing.assert_allclose(
        np.asarray(twin(images)), model(_nchw(images)).detach().numpy(), atol=1e-5
    )


@pytest.mark.parametrize("name", list(table.METHODS))
def test_every_method_gives_the_same_mask_on_both_frameworks(twins, name):
    model, twin, images, targets = twins
    params = dict(SMALL.get(name, {}))
    if name == "smoothgrad":  # the same noise on both sides, each in its own layout
        noise = 0.1 * np.random.default_rng(5).standard_normal((3, N, H, W, C))
        keras_params = dict(params, noise=noise.astype(np.float32))
        torch_params = dict(params, noise=noise.transpose(0, 1, 4, 2, 3).astype(np.float32))
    else:
        keras_params = torch_params = params
    ours_keras = methods.METHODS[name](twin, images, targets, **keras_params)
    ours_torch = torch_methods.METHODS[name](model, _nchw(images), targets, **torch_params)
    assert ours_keras.dtype == ours_torch.dtype == np.float32
    ours_torch = _channels_last(ours_torch)
    assert ours_keras.shape == ours_torch.shape
    span = ours_keras.max() - ours_keras.min()
    assert span > 0
    assert np.max(np.abs(ours_keras - ours_torch)) <= 1e-4 * span, name


def test_the_default_cam_layer_is_the_same_layer(twins):
    model, twin, images, _ = twins
    torch_methods.grad_cam(model, _nchw(images))  # the module's layers, in the order they run
    # The last convolution's output after its ReLU, before the pooling, on both sides.
    assert methods.method_params("grad_cam", model=twin) == {"layer": "conv2"}
    assert methods.method_params("grad_cam", model=model) == {"layer": "3"}


@pytest.mark.parametrize("kind", ["deletion", "insertion"])
def test_faithfulness_scores_are_the_same(twins, kind):
    model, twin, images, targets = twins
    masks = methods.integrated_gradients(twin, images, targets, steps=6)
    curves = getattr(faithfulness, kind)
    on_keras = curves(twin, images, masks, targets, steps=8)
    on_torch = curves(model, _nchw(images), masks.transpose(0, 3, 1, 2), targets, steps=8)
    np.testing.assert_allclose(on_keras.curves, on_torch.curves, atol=1e-5)
    np.testing.assert_allclose(on_keras.auc, on_torch.auc, atol=1e-5)
    np.testing.assert_allclose(on_keras.random_auc, on_torch.random_auc, atol=1e-5)


BAD_PARAMS = [
    ("integrated_gradients", {"steps": 0}, ValueError, "steps: expected an int >= 1, got 0"),
    ("integrated_gradients", {"rule": "simpson"}, ValueError, "rule: expected one of"),
    ("integrated_gradients", {"steps": 1, "rule": "riemann_trapezoid"}, ValueError, "steps >= 2"),
    ("smoothgrad", {"nsamples": 0}, ValueError, "nsamples: expected an int >= 1"),
    ("smoothgrad", {"base": "nope"}, TypeError, "base: expected a saliency method"),
    ("smoothgrad", {"stepz": 3}, ValueError, r"unknown parameter\(s\) stepz"),
    ("blur_integrated_gradients", {"max_sigma": 0}, ValueError, "max_sigma: expected a number"),
    ("occlusion", {"size": 99}, ValueError, "size: expected a window of at most"),
    ("guided_grad_cam", {"interpolation": "cubic"}, ValueError, "interpolation: expected one"),
    ("guided_integrated_gradients", {"fraction": 2}, ValueError, "fraction: expected a number"),
    ("xrai", {"algorithm": "slow"}, ValueError, "algorithm: expected one of"),
    ("gradients", {"steps": 3}, TypeError, "unexpected keyword argument 'steps'"),
]


@pytest.mark.parametrize("name, params, error, words", BAD_PARAMS)
def test_the_same_parameters_are_refused_with_the_same_message(twins, name, params, error, words):
    model, twin, images, targets = twins
    messages = []
    for function, x in (
        (methods.METHODS[name], images),
        (torch_methods.METHODS[name], _nchw(images)),
    ):
        with pytest.raises(error, match=words) as raised:
            function(twin if function is methods.METHODS[name] else model, x, targets, **params)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("name", list(table.METHODS))
def test_the_same_signature_and_provenance_keys(twins, name):
    model, twin, images, _ = twins
    keras_params = inspect.signature(methods.METHODS[name]).parameters
    torch_params = inspect.signature(torch_methods.METHODS[name]).parameters
    assert [p for p in keras_params if p != "strategy"] == list(torch_params)
    torch_methods.grad_cam(model, _nchw(images))
    given = SMALL.get(name, {})
    assert (
        methods.method_params(name, model=twin, **given).keys()
        == methods.method_params(name, model=model, **given).keys()
    )


def test_a_torchscript_model_runs_the_gradient_methods_and_refuses_the_layer_ones():
    module = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 2),
    )
    scripted = torch.jit.script(module)
    images = np.random.default_rng(0).random((2, 3, 8, 8), dtype=np.float32)
    np.testing.assert_allclose(
        torch_methods.gradients(scripted, images, [0, 1]),
        torch_methods.gradients(module, images, [0, 1]),
        rtol=1e-6,
    )
    for name in ("grad_cam", "score_cam", "guided_backprop", "full_grad"):
        with pytest.raises(ValueError, match="TorchScript model cannot give"):
            getattr(torch_methods, name)(scripted, images)
