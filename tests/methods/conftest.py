"""Fixtures shared by the tests of `tensorboard_plugin_saliency.methods`."""

import numpy as np
import pytest
from methods_testing import C, H, N, W, pair_call_model_function, small_cnn


@pytest.fixture(scope="session")
def model():
    """The small CNN of `methods_testing.small_cnn`, built once."""
    return small_cnn()


@pytest.fixture(scope="session")
def images():
    """N random images [N, H, W, C] in [0, 1)."""
    return np.random.default_rng(0).random((N, H, W, C)).astype(np.float32)


@pytest.fixture(scope="session")
def targets(model, images):
    """The model's predicted class of each image."""
    return np.argmax(model(images).numpy(), axis=1)


@pytest.fixture(scope="session")
def call_model_function(model):
    """PAIR's call_model_function for `model`, Grad-CAM on conv2."""
    return pair_call_model_function(model)
