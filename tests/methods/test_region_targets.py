"""Segmentation and detection targets, the same on Keras and PyTorch: against the
gradient of the masked class-score sum taken by hand, per-image regions, the box a
detection target picks, and their provenance. (torchvision's Faster R-CNN:
tests/torch/test_vision_models.py.)"""

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import registry
from tensorboard_plugin_saliency.torch import methods as torch_methods

N, H, W, K = 2, 8, 8, 3


def _images():
    return np.random.default_rng(0).uniform(size=(N, H, W, 3)).astype(np.float32)


def _keras_segmenter():
    keras.utils.set_random_seed(4)
    inputs = keras.Input((H, W, 3))
    x = keras.layers.Conv2D(6, 3, padding="same", activation="relu", name="conv")(inputs)
    return keras.Model(inputs, keras.layers.Conv2D(K, 1, name="scores")(x))


def _torch_segmenter():
    torch.manual_seed(4)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 6, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(6, K, 1)
    ).eval()


def _region(per_image):
    mask = np.zeros((N, H, W) if per_image else (H, W), np.float32)
    if per_image:
        mask[0, :4, :4] = 1
        mask[1, 4:, 2:] = 1
    else:
        mask[2:6, 1:5] = 1
    return mask


@pytest.mark.parametrize("per_image", [False, True])
def test_keras_segmentation_is_the_masked_class_sum(per_image):
    model, images, mask = _keras_segmenter(), _images(), _region(per_image)
    ours = methods.gradients(model, images, target=methods.segmentation(1, mask))
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = model(x)[..., 1]
        total = tf.reduce_sum(scores * (mask if per_image else mask[None]))
    np.testing.assert_allclose(ours, tape.gradient(total, x).numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("per_image", [False, True])
def test_torch_segmentation_is_the_masked_class_sum(per_image):
    model, mask = _torch_segmenter(), _region(per_image)
    x = torch.from_numpy(_images().transpose(0, 3, 1, 2).copy())
    ours = torch_methods.gradients(model, x, target=methods.segmentation(1, mask))
    x.requires_grad_()
    total = (model(x)[:, 1] * torch.from_numpy(mask if per_image else mask[None])).sum()
    (expected,) = torch.autograd.grad(total, x)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-5, atol=1e-7)


def test_segmentation_of_the_predicted_pixels_and_with_cams():
    model = _torch_segmenter()
    x = torch.from_numpy(_images().transpose(0, 3, 1, 2).copy())
    ours = torch_methods.gradients(model, x, target=methods.segmentation(2))
    x.requires_grad_()
    out = model(x)
    predicted = (out.argmax(1) == 2).float().detach()
    (expected,) = torch.autograd.grad((out[:, 2] * predicted).sum(), x)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-5, atol=1e-7)
    cams = torch_methods.grad_cam(
        model, x.detach(), target=methods.segmentation(2, _region(True)), layer="1"
    )
    assert cams.shape == (N, H, W)
    keras_cams = methods.grad_cam(
        _keras_segmenter(), _images(), target=methods.segmentation(0, _region(False))
    )
    assert keras_cams.shape == (N, H, W) and keras_cams.max() > 0


def test_segmentation_provenance_and_errors():
    mask = _region(False)
    assert methods.segmentation(3, mask).text == "class 3 over 16 px"
    assert methods.segmentation(3, _region(True)).text == "class 3 over 20 px per image"
    assert methods.segmentation(3).text == "class 3 over its predicted pixels"
    provenance = registry.method_params("gradients", target=methods.segmentation(3, mask))
    assert provenance["target"] == "class 3 over 16 px"
    with pytest.raises(TypeError, match="class_index: expected a class index"):
        methods.segmentation("cat")
    with pytest.raises(ValueError, match=r"mask: expected a binary array \[H, W\]"):
        methods.segmentation(1, np.zeros(5))
    model = _keras_segmenter()
    with pytest.raises(ValueError, match=r"mask: expected the output's resolution \(8, 8\)"):
        methods.gradients(model, _images(), target=methods.segmentation(1, np.ones((4, 4))))
    with pytest.raises(ValueError, match="the output has 3 classes, got class 7"):
        methods.gradients(model, _images(), target=methods.segmentation(7))


class _Detector(torch.nn.Module):
    """Three fixed boxes per image, scored by the mean of the pixels inside each, in
    torchvision's format (a list of dicts per image)."""

    BOXES = torch.tensor([[0.0, 0.0, 4.0, 4.0], [4.0, 4.0, 8.0, 8.0], [0.0, 4.0, 4.0, 8.0]])
    LABELS = torch.tensor([1, 2, 1])

    def forward(self, images):
        out = []
        for image in images:
            scores = torch.stack(
                [image[:, int(b[1]) : int(b[3]), int(b[0]) : int(b[2])].mean() for b in self.BOXES]
            ).sigmoid()
            out.append({"boxes": self.BOXES.clone(), "scores": scores, "labels": self.LABELS})
        return out


def _box_gradient(box_index, images):
    x = torch.from_numpy(images.transpose(0, 3, 1, 2).copy()).requires_grad_()
    total = sum(o["scores"][box_index] for o in _Detector()(x))
    (g,) = torch.autograd.grad(total, x)
    return g.numpy()


def test_detection_picks_the_box_of_largest_iou_with_the_same_label():
    images = _images()
    x = torch.from_numpy(images.transpose(0, 3, 1, 2).copy())
    # Overlaps box 1 (label 2) most; its gradient is that box's score's.
    target = methods.detection([[4.5, 4.0, 8.0, 8.0]], [2])
    ours = torch_methods.gradients(_Detector(), x, target=target)
    np.testing.assert_allclose(ours, _box_gradient(1, images), rtol=1e-5, atol=1e-8)
    assert np.abs(ours[:, :, :4, :4]).max() == 0  # nothing from the other boxes
    # The same box with another label, or too small an IoU: nothing matches.
    for miss in (
        methods.detection([[4.5, 4.0, 8.0, 8.0]], [1]),
        methods.detection([[6.0, 6.0, 8.0, 8.0]], [2], iou=0.5),
    ):
        assert np.abs(torch_methods.gradients(_Detector(), x, target=miss)).max() == 0
    # One box per image: image 0 explains box 0, image 1 box 2.
    per_image = methods.detection([[[0, 0, 4, 4]], [[0, 4, 4, 8]]], [[1], [1]])
    ours = torch_methods.gradients(_Detector(), x, target=per_image)
    np.testing.assert_allclose(ours[0], _box_gradient(0, images)[0], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(ours[1], _box_gradient(2, images)[1], rtol=1e-5, atol=1e-8)


def test_detection_provenance_and_errors():
    assert methods.detection([[0, 0, 4, 4]], [2], names=["bg", "cat", "dog"]).text == (
        "box dog IoU>=0.5"
    )
    assert methods.detection([[0, 0, 4, 4], [1, 1, 2, 2]], [2, 1]).text == (
        "2 boxes (1, 2) IoU>=0.5"
    )
    with pytest.raises(ValueError, match=r"boxes and labels: expected boxes \[M, 4\]"):
        methods.detection([[0, 0, 4]], [1])
    with pytest.raises(ValueError, match=r"iou: expected a number in \(0, 1\]"):
        methods.detection([[0, 0, 4, 4]], [1], iou=0)
    x = torch.zeros(1, 3, 8, 8)
    with pytest.raises(ValueError, match="target detection: expected detections"):
        torch_methods.gradients(
            torch.nn.Conv2d(3, 1, 1), x, target=methods.detection([[0, 0, 4, 4]], [1])
        )


def test_keras_detection_through_a_dict_of_batched_detections():
    """A Keras model whose output is a dict of batched boxes, scores and labels (as
    keras-cv decodes them): the same target, traced."""
    inputs = keras.Input((H, W, 3))
    boxes = keras.layers.Lambda(
        lambda x: tf.tile(
            tf.constant([[[0.0, 0.0, 4.0, 4.0], [4.0, 4.0, 8.0, 8.0]]]), [tf.shape(x)[0], 1, 1]
        )
    )(inputs)
    scores = keras.layers.Lambda(
        lambda x: tf.sigmoid(
            tf.stack(
                [tf.reduce_mean(x[:, :4, :4], [1, 2, 3]), tf.reduce_mean(x[:, 4:, 4:], [1, 2, 3])],
                1,
            )
        )
    )(inputs)
    labels = keras.layers.Lambda(lambda x: tf.tile(tf.constant([[1, 2]]), [tf.shape(x)[0], 1]))(
        inputs
    )
    model = keras.Model(inputs, {"boxes": boxes, "scores": scores, "labels": labels})
    images = _images()
    ours = methods.gradients(model, images, target=methods.detection([[4, 4, 8, 8]], [2]))
    assert np.abs(ours[:, :4, :4]).max() == 0 and np.abs(ours[:, 4:, 4:]).min() > 0
