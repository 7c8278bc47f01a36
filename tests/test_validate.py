"""Single-value checks shared by writers, renderer, routes and command line."""

import numpy as np
import pytest

from tensorboard_plugin_saliency import validate


def test_choice():
    assert validate.choice("sign", "positive", ("absolute", "positive")) == "positive"
    with pytest.raises(ValueError, match="sign: expected one of absolute, positive, got 'x'"):
        validate.choice("sign", "x", ("absolute", "positive"))


def test_integer():
    assert validate.integer("step", np.int64(3)) == 3
    with pytest.raises(TypeError, match="step: expected an integer, got True"):
        validate.integer("step", True)
    with pytest.raises(TypeError, match="step"):
        validate.integer("step", 1.0)
    with pytest.raises(ValueError, match="max_outputs: expected an integer of at least 1, got 0"):
        validate.integer("max_outputs", 0, minimum=1)


@pytest.mark.parametrize("value", [0, 100.5, float("nan"), float("inf"), "50", True])
def test_number_refuses(value):
    with pytest.raises(ValueError, match=r"clip: expected a percentage in \(0, 100\]"):
        validate.number("clip", value, 0, 100, low_exclusive=True, what="a percentage")


def test_number_accepts():
    assert validate.number("opacity", np.float32(0.5), 0, 1) == 0.5
    assert validate.number("opacity", 0, 0, 1) == 0.0
