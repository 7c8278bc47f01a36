"""Masks from the PAIR `saliency` library and from Captum, written with this package."""

import numpy as np
import pytest
from helpers import tb_backends

from tensorboard_plugin_saliency import reader
from tensorboard_plugin_saliency.summary import SaliencyWriter


def test_pair_saliency_masks_with_saliency_writer(tmp_path):
    import saliency.core as pair
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((16, 16, 3)),
            tf.keras.layers.Conv2D(4, 3, activation="relu"),
            tf.keras.layers.GlobalAveragePooling2D(),
            tf.keras.layers.Dense(3),
        ]
    )

    def call_model_function(images, call_model_args=None, expected_keys=None):
        images = tf.convert_to_tensor(images)
        with tf.GradientTape() as tape:
            tape.watch(images)
            score = model(images)[:, call_model_args["class"]]
        return {pair.base.INPUT_OUTPUT_GRADIENTS: tape.gradient(score, images).numpy()}

    image = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    args = {"class": 1}
    vanilla = pair.GradientSaliency().GetMask(image, call_model_function, args)
    smooth = pair.GradientSaliency().GetSmoothedMask(image, call_model_function, args, nsamples=5)
    grayscale = pair.VisualizeImageGrayscale(vanilla)  # PAIR's own 2D rendering

    with SaliencyWriter(str(tmp_path)) as writer:
        writer.add(
            "pair",
            image,
            {"vanilla": vanilla, "smoothgrad": smooth, "gray": grayscale},
            step=0,
            channel_reduction="abs_sum",
            method_params={"smoothgrad": {"nsamples": 5}},
        )
    (record,) = reader.read_saliency(str(tmp_path))
    expected = np.abs(vanilla).sum(-1)
    span = expected.max() - expected.min()
    assert np.abs(record.masks["vanilla"][0] - expected).max() <= span / 65535
    assert record.masks["gray"].shape == (1, 16, 16)
    assert record.method_params["smoothgrad"] == {"nsamples": 5}


@pytest.mark.parametrize("backend", tb_backends.BACKENDS)
def test_captum_attributions_through_torch_summary_writer(tmp_path, backend):
    import torch
    from captum.attr import IntegratedGradients, Saliency
    from torch.utils.tensorboard import SummaryWriter

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 3),
    ).eval()
    images = torch.rand(2, 3, 16, 16)  # NCHW, as PyTorch has it
    targets = torch.tensor([0, 2])
    ig = IntegratedGradients(model).attribute(images, target=targets, n_steps=8)
    grads = Saliency(model).attribute(images, target=targets, abs=False)

    with SummaryWriter(str(tmp_path)) as torch_writer:
        writer = SaliencyWriter(torch_writer)
        writer.add(
            "captum",
            images,
            {"integrated_gradients": ig, "saliency": grads},
            step=4,
            labels=["class 0", "class 2"],
            method_params={"integrated_gradients": {"n_steps": 8}},
        )
        writer.close()

    with tb_backends.data_provider(str(tmp_path), backend) as provider:
        data = tb_backends.read_all(provider)
    ((_, series),) = data.items()
    step, _, blobs = series[0]
    assert step == 4
    images_read, masks, labels, params = reader.decode_blobs(blobs, str(tmp_path))
    expected = ig.detach().numpy().sum(axis=1)  # channel-first, summed over C
    span = expected.max(axis=(1, 2)) - expected.min(axis=(1, 2))
    assert np.all(np.abs(masks["integrated_gradients"] - expected).max(axis=(1, 2)) <= span / 65535)
    np.testing.assert_array_equal(
        images_read, np.rint(images.permute(0, 2, 3, 1).numpy() * 255).astype(np.uint8)
    )
    assert labels == ["class 0", "class 2"]
    assert params["integrated_gradients"] == {"n_steps": 8}
