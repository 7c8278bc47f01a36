"""`tensorboard_plugin_saliency.torch.log_attributions`: Captum's values as the
reference, the summary it writes (with faithfulness scores), older names, and the
model left as it was. (The same masks as the Keras methods: tests/test_frameworks.py.)"""

import numpy as np
import pytest
import torch
from captum import attr

from tensorboard_plugin_saliency import reader
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


@pytest.fixture(scope="module")
def model():
    return _torch_model()


@pytest.fixture(scope="module")
def images():
    return torch.rand(N, C, H, W, generator=torch.Generator().manual_seed(1))


TARGETS = torch.tensor([0, 1, 2, 1])


def _coverage(size, stride, length):
    """How many occlusion windows cover each index along one axis."""
    starts = np.arange(0, length - size + 1, stride)
    index = np.arange(length)
    return ((index >= starts[:, None]) & (index < starts[:, None] + size)).sum(axis=0)


def test_masks_equal_captums_and_are_written(model, images, tmp_path):
    """Captum is the reference: where it has the method, our PyTorch masks are its."""
    masks = log_attributions(
        str(tmp_path),
        model,
        images,
        TARGETS,
        step=3,
        methods={
            "gradients": {},
            "gradient_x_input": {},
            "integrated_gradients": {"rule": "riemann_trapezoid"},
            "grad_cam": {},
            "guided_backprop": {},
            "deconvnet": {},
            "occlusion": {"size": 4, "stride": 2},
        },
    )
    x = images.clone().requires_grad_()
    windows = (C, 4, 4)
    occluded = attr.Occlusion(model).attribute(
        x, sliding_window_shapes=windows, strides=(C, 2, 2), baselines=0.0, target=TARGETS
    )
    direct = {
        "gradients": attr.Saliency(model).attribute(x, target=TARGETS, abs=False),
        "gradient_x_input": attr.InputXGradient(model).attribute(x, target=TARGETS),
        "integrated_gradients": attr.IntegratedGradients(model).attribute(
            x, baselines=0.0, target=TARGETS, n_steps=25, method="riemann_trapezoid"
        ),
        # The default layer is the last convolution's output after its ReLU (model[3]),
        # by the rule Keras models follow too.
        "grad_cam": attr.LayerGradCam(model, model[3]).attribute(
            x, target=TARGETS, relu_attributions=True
        )[:, 0],
        "guided_backprop": attr.GuidedBackprop(model).attribute(x, target=TARGETS),
        "deconvnet": attr.Deconvolution(model).attribute(x, target=TARGETS),
        # Captum averages the windows over each pixel, PAIR (and we) add them up.
        "occlusion": occluded
        * torch.as_tensor(np.outer(_coverage(4, 2, H), _coverage(4, 2, W)), dtype=torch.float32),
    }
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.step == 3
    for name, expected in direct.items():
        expected = expected.detach().numpy()
        np.testing.assert_allclose(masks[name], expected, rtol=1e-4, atol=1e-6, err_msg=name)
        reduced = expected.sum(axis=1) if expected.ndim == 4 else expected
        span = reduced.max() - reduced.min()
        # Stored as 16 bits over each mask's own range.
        np.testing.assert_allclose(record.masks[name], reduced, atol=span / 65535 + 1e-6)


def test_captums_trapezoid_is_pairs_sum_less_half_its_ends(model, images, tmp_path):
    # PAIR's sum weighs the n path points (linspace(0, 1, n)) equally, 1/n each;
    # Captum's riemann_trapezoid takes the same points and weights but halves the
    # two ends'. From the same gradients: trapezoid = PAIR - (g(0) + g(x)) * x / (2n).
    from tensorboard_plugin_saliency.torch import methods as torch_methods

    n = 25
    pair = torch_methods.integrated_gradients(model, images, TARGETS, steps=n)
    trapezoid = torch_methods.integrated_gradients(
        model, images, TARGETS, steps=n, rule="riemann_trapezoid"
    )
    at_x = torch_methods.gradients(model, images, TARGETS)
    at_zero = torch_methods.gradients(model, torch.zeros_like(images), TARGETS)
    x = images.numpy()
    expected = pair - (at_zero + at_x) * x / (2 * n)
    assert np.max(np.abs(trapezoid - expected)) / np.max(np.abs(expected)) < 1e-4


def test_training_state_is_left_as_it_was(images, tmp_path):
    model = _torch_model()
    model.train()
    loss = model(images).logsumexp(dim=1).sum()
    loss.backward()
    grads = [p.grad.clone() for p in model.parameters()]
    with torch.inference_mode():
        log_attributions(
            str(tmp_path),
            model,
            images,
            step=0,
            methods=("gradients", "smoothgrad", "grad_cam"),
            faithfulness=("deletion",),
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
    # The table's provenance, as the Keras callback records it; a Captum instance by
    # its class.
    assert record.method_params["smoothgrad"] == {
        "base": "gradients",
        "nsamples": 4,
        "stdev_spread": 0.15,
        "magnitude": True,
        "seed": None,
    }
    assert record.method_params["deeplift"]["captum"] == "DeepLift"
    assert record.masks["deeplift"].shape == (N, H, W)


SMALL = {
    "smoothgrad": {"nsamples": 3, "seed": 0},
    "integrated_gradients": {"steps": 4},
    "blur_integrated_gradients": {"steps": 4, "max_sigma": 4.0},
    "occlusion": {"size": 6, "stride": 3},
    "guided_integrated_gradients": {"steps": 4},
    "xrai": {"steps": 4},
}


def test_every_method_of_the_table_runs(model, images, tmp_path):
    chosen = {name: SMALL.get(name, {}) for name in METHODS}
    masks = log_attributions(str(tmp_path), model, images, step=0, methods=chosen)
    assert sorted(masks) == sorted(METHODS)
    for name, values in masks.items():
        assert np.isfinite(values).all() and np.abs(values).max() > 0, name
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.method_params["grad_cam"] == {"layer": "3"}


def test_older_names_and_spellings_warn_and_mean_the_same(model, images, tmp_path):
    with pytest.warns(DeprecationWarning) as warned:
        old = log_attributions(
            str(tmp_path / "old"),
            model,
            images,
            TARGETS,
            step=0,
            methods={
                "saliency": {},
                "input_x_gradient": {},
                "deconvolution": {},
                "smoothgrad": {"nsamples": 3, "noise": 0.2, "seed": 1},
                "integrated_gradients": {"steps": 5, "method": "riemann_trapezoid"},
            },
            labels=["a", "b", "c", "d"],
        )
    said = " ".join(str(w.message) for w in warned)
    for words in (
        "'saliency' is now called 'gradients'",
        "'input_x_gradient' is now called 'gradient_x_input'",
        "'deconvolution' is now called 'deconvnet'",
        "noise= is now stdev_spread=",
        "method= is now rule=",
        "labels= is now captions=",
    ):
        assert words in said
    new = log_attributions(
        str(tmp_path / "new"),
        model,
        images,
        TARGETS,
        step=0,
        methods={
            "gradients": {},
            "gradient_x_input": {},
            "deconvnet": {},
            "smoothgrad": {"nsamples": 3, "stdev_spread": 0.2, "seed": 1},
            "integrated_gradients": {"steps": 5, "rule": "riemann_trapezoid"},
        },
        captions=["a", "b", "c", "d"],
    )
    assert sorted(old) == sorted(new)
    for name in new:
        np.testing.assert_array_equal(old[name], new[name])
    (record,) = reader.read_saliency(str(tmp_path / "old"))
    assert record.labels == ["a", "b", "c", "d"]
    assert record.method_params["integrated_gradients"]["rule"] == "riemann_trapezoid"


def test_faithfulness_scores_for_pytorch_models(model, images, tmp_path):
    log_attributions(
        str(tmp_path),
        model,
        images,
        TARGETS,
        step=2,
        methods=("gradients", "grad_cam"),
        faithfulness={"deletion": {"steps": 4}, "insertion": {"steps": 4}},
    )
    (record,) = reader.read_saliency(str(tmp_path))
    for name in ("gradients", "grad_cam"):
        scores = record.scores[name]
        for kind in ("deletion", "insertion"):
            assert scores[kind + "_auc"].shape == (N,)
            assert scores[kind + "_curve"].shape == (N, 5)
            np.testing.assert_array_equal(
                scores[kind + "_random_auc"], record.scores["gradients"][kind + "_random_auc"]
            )
    # The curves start from the image's own class probability.
    probabilities = torch.softmax(model(images), dim=1).detach().numpy()
    np.testing.assert_allclose(
        record.scores["gradients"]["deletion_curve"][:, 0],
        probabilities[np.arange(N), TARGETS.numpy()],
        rtol=1e-5,
    )


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"methods": ("lime",)}, ValueError, "'lime' is not one of"),
        ({"methods": {"smoothgrad": {"samples": 3}}}, ValueError, "unknown parameter"),
        (
            {"methods": {"grad_cam": {"layer": "conv9"}}},
            ValueError,
            r"layer: expected a layer of this model or its name, one of \['0', .*got 'conv9'",
        ),
        ({"methods": {"occlusion": {}}}, ValueError, r"size: expected a window of at most"),
        ({"methods": {"saliency": object()}}, TypeError, "a Captum Attribution"),
        ({"faithfulness": ("roar",)}, ValueError, "faithfulness: 'roar' is not one of"),
        ({"step": 1.5}, TypeError, "step"),
        ({"images": torch.rand(3, 14, 14)}, ValueError, r"images: expected shape \[N, C, H, W\]"),
    ],
)
def test_clear_errors(model, images, tmp_path, kwargs, error, words):
    arguments = {"step": 0, "images": images, **kwargs}
    with pytest.raises(error, match=words):
        log_attributions(str(tmp_path), model, arguments.pop("images"), **arguments)
    assert not list(tmp_path.iterdir())  # nothing half-written


NO_TENSORFLOW = """
import sys
sys.modules["tensorflow"] = None  # any "import tensorflow" now fails
import numpy as np, torch
from tensorboard_plugin_saliency import faithfulness
from tensorboard_plugin_saliency.torch import log_attributions, methods
model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(),
    torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 2))
images = torch.rand(2, 3, 12, 12)
small = {"smoothgrad": {"nsamples": 2}, "integrated_gradients": {"steps": 3},
    "blur_integrated_gradients": {"steps": 3, "max_sigma": 2.0},
    "occlusion": {"size": 4, "stride": 4}, "guided_integrated_gradients": {"steps": 3},
    "xrai": {"steps": 2, "min_pixel_diff": 1}}
for name, function in methods.METHODS.items():
    function(model, images, **small.get(name, {}))
log_attributions(sys.argv[1], model, images, step=0, methods=("gradients", "grad_cam"),
    faithfulness=("deletion", "insertion"))
faithfulness.deletion(model, images, methods.gradients(model, images), steps=3)
print("modules:", sorted(m for m in sys.modules if m.split(".")[0] in ("keras", "tensorflow")))
"""


def test_the_pytorch_side_imports_no_tensorflow(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", NO_TENSORFLOW, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "modules: ['tensorflow']" in done.stdout  # only the None placed above
    (record,) = reader.read_saliency(str(tmp_path))
    assert sorted(record.scores) == ["grad_cam", "gradients"]


TENSORFLOW_INSTALLED = """
import sys
import torch
from tensorboard_plugin_saliency import reader
from tensorboard_plugin_saliency.torch import log_attributions
model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(),
    torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 2))
log_attributions(sys.argv[1], model, torch.rand(2, 3, 12, 12), step=0, methods=("grad_cam",))
(record,) = reader.read_saliency(sys.argv[1])
print("read", sorted(record.masks), "tensorflow loaded:", "tensorflow" in sys.modules)
"""


def test_writing_and_reading_back_load_no_tensorflow_where_it_is_installed(tmp_path):
    # TensorFlow before torchvision crashes a process here: a PyTorch user who logs,
    # reads back, then builds a timm model must not have loaded it through us.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", TENSORFLOW_INSTALLED, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "read ['grad_cam'] tensorflow loaded: False" in done.stdout
