"""Method names and their parameters as provenance."""

import numpy as np
import pytest
from methods_testing import conv_then_pooling

from tensorboard_plugin_saliency import methods


def test_every_public_method_is_registered():
    functions = {name for name in methods.__all__ if callable(getattr(methods, name))}
    helpers = {"method_params", "default_params", "grad_cam_layer"}
    helpers |= {"increase", "decrease", "keep", "layer_filter", "segmentation", "detection"}
    assert set(methods.METHODS) == functions - helpers
    assert all(methods.METHODS[name] is getattr(methods, name) for name in methods.METHODS)


def test_params_for_provenance():
    assert methods.default_params("smoothgrad") == {
        "base": "gradients",
        "nsamples": 25,
        "stdev_spread": 0.15,
        "magnitude": True,
        "seed": None,
    }
    assert (
        methods.method_params("smoothgrad", base=methods.integrated_gradients, steps=10)["steps"]
        == 10
    )
    assert methods.default_params("integrated_gradients") == {"steps": 25, "baseline": None}
    assert methods.default_params("occlusion") == {"size": 15, "stride": 1, "baseline": 0.0}
    with pytest.raises(ValueError, match="name"):
        methods.default_params("nope")


def test_values_are_json_friendly():
    params = methods.method_params(
        "integrated_gradients", steps=np.int64(5), baseline=np.zeros((3, 4), np.float32)
    )
    assert params == {"steps": 5, "baseline": "array[3, 4]"}
    assert type(params["steps"]) is int
    assert "noise" not in methods.method_params("smoothgrad", noise=np.zeros(3), batch_size=8)


def test_grad_cam_records_the_layer_it_uses():
    model = conv_then_pooling()
    assert methods.default_params("grad_cam") == {"layer": None}
    assert methods.method_params("grad_cam", model=model) == {"layer": "conv"}
    assert methods.method_params("grad_cam", model=model, layer="pool") == {"layer": "pool"}
    assert methods.method_params("grad_cam", layer=model.get_layer("pool")) == {"layer": "pool"}
    with pytest.raises(ValueError, match="got 'nope'"):
        methods.method_params("grad_cam", model=model, layer="nope")
    # Other methods take nothing from the model.
    assert methods.method_params("occlusion", model=model) == methods.default_params("occlusion")
