"""gradients and gradient_x_input: parity with PAIR, and any callable as the model."""

import numpy as np
import saliency.core as saliency
from methods_testing import pair_masks, relative_error

from tensorboard_plugin_saliency import methods


def test_gradients_match_pair(model, images, targets, call_model_function):
    expected = pair_masks(saliency.GradientSaliency().GetMask, images, targets, call_model_function)
    assert relative_error(methods.gradients(model, images), expected) <= 1e-4


def test_gradient_x_input_is_gradients_times_the_input(model, images):
    np.testing.assert_allclose(
        methods.gradient_x_input(model, images),
        methods.gradients(model, images) * images,
    )


def test_plain_callable_model(model, images):
    np.testing.assert_allclose(
        methods.gradients(lambda x: model(x), images),
        methods.gradients(model, images),
        atol=1e-7,
    )
