"""The CAM family on Keras applications as they are (random weights: nothing is
downloaded): the default layer is each network's last convolutional block's output,
and the maps are that block's grid."""

import keras
import numpy as np
import pytest

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import registry

APPLICATIONS = [
    ("ResNet50", "conv5_block3_out"),
    ("MobileNetV2", "out_relu"),
    ("ConvNeXtTiny", "convnext_tiny_stage_3_block_2_identity"),
]


@pytest.mark.parametrize("name, layer", APPLICATIONS)
def test_default_layer_and_maps(name, layer):
    keras.utils.set_random_seed(0)
    model = getattr(keras.applications, name)(weights=None, input_shape=(64, 64, 3), classes=4)
    images = np.random.default_rng(0).uniform(size=(2, 64, 64, 3)).astype(np.float32)
    assert methods.grad_cam_layer(model).name == layer
    for method in ("grad_cam", "layer_cam"):
        maps = methods.METHODS[method](model, images, [0, 1])
        assert maps.shape == (2, 2, 2) and np.all(np.isfinite(maps))
    assert registry.method_params("grad_cam", model=model)["layer"] == layer
