"""Our Grad-CAM, Grad-CAM++, LayerCAM and Score-CAM equal tf-keras-vis 0.8.7's.

tf-keras-vis runs on Keras 3 as it is, but `.ci/setup test` installs it without its
dependencies into `<venv>/tfkv` (its wheel also ships a top-level `tests` package),
which only the subprocess of this test puts on its path (`helpers/tf_keras_vis_cams.py`).
The model goes there as a .keras file. Our maps are raw, at the layer's resolution; here
they get tf-keras-vis' own post-processing (`scipy.ndimage.zoom`, order 1, to the image,
then `(x - min) / (max - min + K.epsilon())` per image) before they are compared.

What is the same on both sides: the layer as named (tf-keras-vis'
`seek_penultimate_conv_layer=False`), each image's class score, a model whose last
layer is linear (tf-keras-vis' Score-CAM takes the softmax of the model's outputs
itself: on a model ending in softmax it would score softmax(probabilities), ours the
probabilities), our Grad-CAM++ with `normalize_alpha=True`, and Faster Score-CAM one
image at a time (on a batch, tf-keras-vis keeps the union of all images' top `max_N`
channels for every image; we keep each image's own).
"""

import importlib
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from scipy.ndimage import zoom

from tensorboard_plugin_saliency import methods

# The module (`methods.grad_cam_plus_plus` is the function of the same name).
GRAD_CAM_PP = importlib.import_module("tensorboard_plugin_saliency.methods.grad_cam_plus_plus")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(sys.prefix, "tfkv")
SCRIPT = os.path.join(ROOT, "tests", "helpers", "tf_keras_vis_cams.py")

N, H, W, C, CLASSES, MAX_N = 4, 32, 32, 3, 10, 4
ATOL = 1e-4
KERAS_EPSILON = 1e-7  # keras.backend.epsilon(), which tf-keras-vis' normalize() adds


def _tf_keras_vis_site():
    """`<venv>/tfkv`; skips without it, but fails under CI, whose setup installs it."""
    if not os.path.isdir(os.path.join(SITE, "tf_keras_vis")):
        if os.environ.get("CI"):
            pytest.fail("tf-keras-vis is missing from %s: .ci/setup test installs it" % SITE)
        pytest.skip("tf-keras-vis is not installed in %s (run .ci/setup test)" % SITE)
    return SITE


def _model():
    """conv1 (32 x 32) -> pool -> conv2 (16 x 16) -> pool -> conv3 (8 x 8 x 16) ->
    Flatten -> Dense (linear), with fixed random weights drawn here."""
    # Functional: a Sequential model loaded from a .keras file gives tf-keras-vis a
    # layer output outside the graph of the model's outputs (its gradients are None).
    x = inputs = keras.Input((H, W, C))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv3")(x)
    x = keras.layers.Dense(CLASSES, name="logits")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, x)
    rng = np.random.default_rng(0)
    model.set_weights(
        [
            (rng.standard_normal(w.shape) * np.sqrt(2.0 / np.prod(w.shape[:-1]))).astype("float32")
            if w.ndim > 1
            else (0.05 * rng.standard_normal(w.shape)).astype("float32")
            for w in model.get_weights()
        ]
    )
    return model


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(1)
    images = rng.random((N, H, W, C)).astype(np.float32)
    return _model(), images, np.array([1, 3, 5, 7])


@pytest.fixture(scope="module")
def theirs(batch, tmp_path_factory):
    """tf-keras-vis' maps `{name: [N, H, W]}` (see `helpers/tf_keras_vis_cams.py`)."""
    site = _tf_keras_vis_site()
    model, images, classes = batch
    folder = tmp_path_factory.mktemp("tf_keras_vis")
    model.save(str(folder / "model.keras"))
    np.savez(folder / "inputs.npz", images=images, classes=classes, max_n=MAX_N)
    env = dict(os.environ, PYTHONPATH=site)
    result = subprocess.run(
        [
            sys.executable,
            SCRIPT,
            *(str(folder / f) for f in ("model.keras", "inputs.npz", "out.npz")),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with np.load(folder / "out.npz") as out:
        maps = dict(out)
    assert str(maps.pop("version")) == "0.8.7"
    return maps


def _as_tf_keras_vis(raw):
    """tf-keras-vis' post-processing of our raw maps `[N, h, w]`: zoomed to the images
    (order 1, corners aligned), then min-max scaled per image."""
    raw = np.asarray(raw, np.float32)
    assert raw.ndim == 3 and raw.shape[0] == N
    zoomed = zoom(raw, (1, H / raw.shape[1], W / raw.shape[2]), order=1)
    low = zoomed.min(axis=(1, 2), keepdims=True)
    high = zoomed.max(axis=(1, 2), keepdims=True)
    return (zoomed - low) / (high - low + KERAS_EPSILON)


def _gap(ours, theirs):
    return float(np.abs(_as_tf_keras_vis(ours) - theirs).max())


def test_grad_cam(batch, theirs):
    model, images, classes = batch
    assert _gap(methods.grad_cam(model, images, classes, layer="conv3"), theirs["grad_cam"]) <= ATOL
    # The default layers agree too (conv3, after its ReLU), as does another layer (16 x 16).
    assert _gap(methods.grad_cam(model, images, classes), theirs["grad_cam_default_layer"]) <= ATOL
    conv2 = methods.grad_cam(model, images, classes, layer="conv2")
    assert conv2.shape == (N, 16, 16)
    assert _gap(conv2, theirs["grad_cam_conv2"]) <= ATOL


def test_the_comparison_sees_another_layer_or_class(batch, theirs):
    model, images, classes = batch
    assert _gap(methods.grad_cam(model, images, classes, layer="conv2"), theirs["grad_cam"]) > 0.1
    others = (classes + 1) % CLASSES
    assert _gap(methods.grad_cam(model, images, others, layer="conv3"), theirs["grad_cam"]) > 0.1
    assert _gap(methods.layer_cam(model, images, others, layer="conv3"), theirs["layer_cam"]) > 0.1
    assert _gap(methods.score_cam(model, images, others, layer="conv3"), theirs["score_cam"]) > 0.1


def _grad_cam_plus_plus_gap(batch, theirs):
    model, images, classes = batch
    ours = methods.grad_cam_plus_plus(model, images, classes, layer="conv3", normalize_alpha=True)
    return _gap(ours, theirs["grad_cam_plus_plus"])


def test_grad_cam_plus_plus_paper_form_is_another_map(batch, theirs):
    model, images, classes = batch
    paper = methods.grad_cam_plus_plus(model, images, classes, layer="conv3")
    assert _gap(paper, theirs["grad_cam_plus_plus"]) > 10 * ATOL


def test_grad_cam_plus_plus_normalized_alpha(batch, theirs):
    assert _grad_cam_plus_plus_gap(batch, theirs) <= ATOL


def test_layer_cam(batch, theirs):
    model, images, classes = batch
    ours = methods.layer_cam(model, images, classes, layer="conv3")
    assert _gap(ours, theirs["layer_cam"]) <= ATOL


def test_score_cam_probability(batch, theirs):
    model, images, classes = batch
    ours = methods.score_cam(model, images, classes, layer="conv3", weights="probability")
    assert _gap(ours, theirs["score_cam"]) <= ATOL
    fewer = methods.score_cam(model, images, classes, layer="conv3", max_n=MAX_N)
    assert _gap(fewer, theirs["score_cam_max_n"]) <= ATOL
    assert _gap(fewer, theirs["score_cam"]) > 10 * ATOL  # max_n keeps fewer channels
    # On the batch, tf-keras-vis keeps the union of the images' top MAX_N channels (5
    # channels here) for every image: another map.
    assert _gap(fewer, theirs["score_cam_max_n_batch"]) > 10 * ATOL
