"""Occlusion: parity with PAIR, and its window errors."""

import pytest
import saliency.core as saliency
from methods_testing import pair_masks, relative_error

from tensorboard_plugin_saliency import methods


def test_occlusion_matches_pair(model, images, targets, call_model_function):
    expected = pair_masks(
        saliency.Occlusion().GetMask,
        images,
        targets,
        call_model_function,
        size=5,
        value=0.5,
    )
    actual = methods.occlusion(model, images, size=5, baseline=0.5, batch_size=50)
    assert relative_error(actual, expected) <= 1e-4


@pytest.mark.parametrize(
    "params, match",
    [
        ({"size": 17}, "size: expected a window of at most min"),
        ({"stride": 0}, "stride"),
        ({"baseline": [0.0, 1.0]}, "baseline"),
    ],
)
def test_clear_errors(model, images, params, match):
    with pytest.raises(ValueError, match=match):
        methods.occlusion(model, images, **params)
