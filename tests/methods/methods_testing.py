"""Helpers for the tests of `tensorboard_plugin_saliency.methods`: the toy problem's
sizes, the models, PAIR `saliency` 0.2.1 as a reference, and the table of methods."""

import keras
import numpy as np
import saliency.core as saliency
import tensorflow as tf

N, H, W, C, CLASSES = 3, 16, 16, 3, 5
"""Images per batch, their height, width and channels; the model's classes."""

CASES = [
    ("gradients", {}),
    ("gradient_x_input", {}),
    ("smoothgrad", {"nsamples": 3, "seed": 0}),
    ("integrated_gradients", {"steps": 4}),
    ("blur_integrated_gradients", {"steps": 4, "max_sigma": 4.0}),
    ("grad_cam", {}),
    ("hires_cam", {}),
    ("grad_cam_elementwise", {}),
    ("grad_cam_plus_plus", {}),
    ("xgrad_cam", {}),
    ("layer_cam", {}),
    ("score_cam", {"max_n": 4}),
    ("ablation_cam", {"max_n": 4}),
    ("eigen_cam", {}),
    ("eigen_grad_cam", {}),
    ("full_grad", {}),
    ("occlusion", {"size": 6, "stride": 3}),
    ("guided_backprop", {}),
    ("deconvnet", {}),
    ("guided_grad_cam", {}),
    ("guided_integrated_gradients", {"steps": 4}),
    ("xrai", {"steps": 4}),
]
"""(method name, small parameters): one row per method, for the contract tests."""


def relative_error(actual, expected):
    return np.max(np.abs(actual - expected)) / np.max(np.abs(expected))


def small_cnn():
    """conv1 -> conv2 -> Flatten -> Dense: Grad-CAM's layer is conv2 (12 x 12)."""
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


def small_torch_cnn():
    """`small_cnn`'s shape as a PyTorch module (its own weights): Grad-CAM's layer is
    the second convolution's ReLU (12 x 12)."""
    import torch

    torch.manual_seed(1)
    return torch.nn.Sequential(
        torch.nn.Conv2d(C, 8, 3),
        torch.nn.ReLU(),
        torch.nn.Conv2d(8, 8, 3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(8 * (H - 4) * (W - 4), CLASSES),
    )


def conv_then_pooling():
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


def pair_call_model_function(model, conv_layer="conv2"):
    """PAIR's interface to a Keras model; call_model_args = {"target": class}."""
    conv_and_scores = keras.Model(
        model.inputs, [model.get_layer(conv_layer).output, model.outputs[0]]
    )

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
    """PAIR's masks, one image at a time, stacked."""
    return np.stack(
        [
            get_mask(x, call_model_function, {"target": int(t)}, **kwargs)
            for x, t in zip(images, targets)
        ]
    )


def explicit_cam(model, layer_name, images):
    """Grad-CAM written out on one named layer, image by image, for the predicted class."""
    sub = keras.Model(model.inputs[0], [model.get_layer(layer_name).output, model.outputs[0]])
    cams = []
    for x in images:
        with tf.GradientTape() as tape:
            acts, scores = sub(x[None])
            score = scores[0, int(np.argmax(scores[0]))]
        weights = tf.reduce_mean(tape.gradient(score, acts)[0], axis=(0, 1))
        cams.append(tf.nn.relu(tf.reduce_sum(acts[0] * weights, axis=-1)).numpy())
    return np.stack(cams)
