"""The CAM family against its formulas written out here, image by image, from a layer's
activations and gradients taken by hand (`tf.GradientTape` on a sub-model); Score-CAM
with the upsampling of tf-keras-vis (`scipy.ndimage.zoom`, order 1). Keras against
PyTorch on ported weights is `test_frameworks.py`."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from methods_testing import N

from tensorboard_plugin_saliency import methods


@pytest.fixture(scope="module")
def by_hand(model, images, targets):
    """conv2's activations and the gradients of each image's class score, `[N, h, w, C]`."""
    sub = keras.Model(model.inputs[0], [model.get_layer("conv2").output, model.outputs[0]])
    with tf.GradientTape() as tape:
        acts, scores = sub(images)
        picked = tf.gather(scores, targets, batch_dims=1)
    return acts.numpy().astype(np.float64), tape.gradient(picked, acts).numpy().astype(np.float64)


def _relu(x):
    return np.maximum(x, 0)


def test_hires_elementwise_layer_and_xgrad(model, images, targets, by_hand):
    a, g = by_hand
    expected = {
        "hires_cam": _relu((a * g).sum(-1)),
        "grad_cam_elementwise": _relu(_relu(a * g).sum(-1)),
        "layer_cam": _relu((_relu(g) * a).sum(-1)),
        "xgrad_cam": _relu(
            np.einsum("nhwc,nc->nhw", a, (g * a).sum((1, 2)) / (a.sum((1, 2)) + 1e-7))
        ),
    }
    for name, values in expected.items():
        ours = methods.METHODS[name](model, images, targets)
        np.testing.assert_allclose(ours, values, rtol=1e-4, atol=1e-6 * values.max(), err_msg=name)


@pytest.mark.parametrize("normalize_alpha", [False, True])
def test_grad_cam_plus_plus(model, images, targets, by_hand, normalize_alpha):
    a, g = by_hand
    expected = []
    for acts, grads in zip(a, g):
        maps = np.zeros(acts.shape[:2])
        for c in range(acts.shape[-1]):
            gc, ac = grads[..., c], acts[..., c]
            # pytorch-grad-cam's epsilon in the paper's form; tf-keras-vis' none.
            epsilon = 0.0 if normalize_alpha else 1e-6
            with np.errstate(divide="ignore", invalid="ignore"):
                alpha = gc**2 / (2 * gc**2 + ac.sum() * gc**3 + epsilon)
            alpha[gc == 0] = 0
            if normalize_alpha and alpha.sum():
                alpha = alpha / alpha.sum()
            maps += (alpha * _relu(gc)).sum() * ac
        expected.append(_relu(maps))
    ours = methods.grad_cam_plus_plus(model, images, targets, normalize_alpha=normalize_alpha)
    np.testing.assert_allclose(ours, np.stack(expected), rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("name", ["eigen_cam", "eigen_grad_cam"])
def test_eigen_cams_are_the_first_principal_component(model, images, targets, by_hand, name):
    a, g = by_hand
    values = a if name == "eigen_cam" else a * g
    corrected = methods.METHODS[name](model, images, targets)
    raw = methods.METHODS[name](model, images, targets, sign_correction=False)
    for i in range(N):
        matrix = values[i].reshape(-1, values.shape[-1])
        centred = matrix - matrix.mean(0)
        _, vectors = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
        projection = (centred @ vectors[:, -1]).reshape(values.shape[1:3])
        if np.dot(projection.ravel(), matrix.sum(1) - matrix.sum(1).mean()) < 0:
            projection = -projection
        np.testing.assert_allclose(corrected[i], _relu(projection), rtol=1e-3, atol=1e-5)
        # Without the correction, LAPACK's sign: one of the two orientations.
        assert np.allclose(raw[i], _relu(projection), atol=1e-5) or np.allclose(
            raw[i], _relu(-projection), atol=1e-5
        )


def test_eigen_cam_points_where_the_layer_responds(model, images):
    maps = methods.eigen_cam(model, images)
    acts = keras.Model(model.inputs[0], model.get_layer("conv2").output)(images).numpy()
    for cam, response in zip(maps, acts.sum(-1)):
        assert np.corrcoef(cam.ravel(), response.ravel())[0, 1] > 0


@pytest.mark.parametrize("weights", ["probability", "channel_softmax"])
@pytest.mark.parametrize("max_n", [None, 3])
def test_score_cam(model, images, targets, by_hand, weights, max_n):
    from scipy import ndimage

    a, _ = by_hand
    size = images.shape[1:3]
    expected = []
    for acts, image, target in zip(a, images, targets):
        channels = np.arange(acts.shape[-1])
        if max_n is not None:
            channels = np.argsort(-acts.std(axis=(0, 1)), kind="stable")[:max_n]
        scores = []
        for c in channels:
            up = ndimage.zoom(acts[..., c], np.divide(size, acts.shape[:2]), order=1)
            up = (up - up.min()) / (up.max() - up.min() + 1e-8)
            outputs = model((image * up[..., None])[None]).numpy()[0].astype(np.float64)
            if weights == "probability":
                outputs = np.exp(outputs - outputs.max()) / np.exp(outputs - outputs.max()).sum()
            scores.append(outputs[target])
        scores = np.array(scores)
        if weights == "channel_softmax":
            scores = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
        expected.append(_relu(np.einsum("hwc,c->hw", acts[..., channels], scores)))
    ours = methods.score_cam(model, images, targets, max_n=max_n, weights=weights)
    np.testing.assert_allclose(ours, np.stack(expected), rtol=1e-4, atol=1e-6)


def test_score_cam_runs_its_masked_copies_in_batches(model, images, targets):
    # Every kept channel of every image is one model input: 3 images x 4 channels in
    # chunks of at most 5 give the same map as chunks of 100.
    np.testing.assert_allclose(
        methods.score_cam(model, images, targets, max_n=4, batch_size=5),
        methods.score_cam(model, images, targets, max_n=4, batch_size=100),
        rtol=1e-5,
    )
    with pytest.raises(ValueError, match="weights: expected one of"):
        methods.score_cam(model, images, targets, weights="softmax")
    with pytest.raises(ValueError, match="max_n: expected an int >= 1"):
        methods.score_cam(model, images, targets, max_n=0)


def test_ablation_cam_is_the_relative_drop_of_each_zeroed_channel(model, images, targets):
    acts = keras.Model(model.inputs[0], model.get_layer("conv2").output)(images).numpy()
    head = keras.Sequential([keras.Input(acts.shape[1:]), *model.layers[2:]])
    rows = np.arange(N)

    def score(values):
        return head(values).numpy()[rows, targets].astype(np.float64)

    full = score(acts)
    expected = np.zeros(acts.shape[:3])
    for c in range(acts.shape[-1]):
        ablated = acts.copy()
        ablated[..., c] = 0
        expected += ((full - score(ablated)) / full)[:, None, None] * acts[..., c]
    expected = _relu(expected)
    ours = methods.ablation_cam(model, images, targets)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-6 * expected.max())
    # max_n: only each image's n channels of largest spread are ablated.
    assert not np.allclose(methods.ablation_cam(model, images, targets, max_n=2), ours)


@pytest.mark.parametrize("scale", ["layer", "channel"])
def test_full_grad_sums_the_rescaled_input_and_bias_terms(model, images, targets, scale):
    from tensorboard_plugin_saliency.methods import resize

    convs = [model.get_layer("conv1"), model.get_layer("conv2")]
    sub = keras.Model(model.inputs[0], [c.output for c in convs] + [model.outputs[0]])
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        *outs, scores = sub(x)
        picked = tf.gather(scores, targets, batch_dims=1)
    *grads, input_grad = tape.gradient(picked, outs + [x])
    terms = [input_grad.numpy() * images]
    for conv, out, grad in zip(convs, outs, grads):  # before each convolution's ReLU
        terms.append(grad.numpy() * (out.numpy() > 0) * conv.bias.numpy())
    expected = np.zeros(images.shape[:3])
    for term in terms:
        term = np.abs(term.astype(np.float64))
        axes = (1, 2, 3) if scale == "layer" else (1, 2)
        term = term - term.min(axis=axes, keepdims=True)
        term = term / (term.max(axis=axes, keepdims=True) + (1e-6 if scale == "layer" else 1e-7))
        summed = term.sum(-1)
        if scale == "channel":
            summed = resize.resize(summed, images.shape[1:3])
        else:
            rows = resize.interpolation_matrix(summed.shape[1], images.shape[1])
            cols = resize.interpolation_matrix(summed.shape[2], images.shape[2])
            summed = np.einsum("Hh,nhw,Ww->nHW", rows, summed, cols)
        expected += summed
    ours = methods.full_grad(model, images, targets, scale=scale)
    assert ours.shape == images.shape[:3]
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-5)
