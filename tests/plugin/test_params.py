"""Request parameters, parsed and checked in one place."""

import pytest
from werkzeug.datastructures import MultiDict

from tensorboard_plugin_saliency.plugin import params
from tensorboard_plugin_saliency.plugin.errors import InvalidArgumentError, NotFoundError


def test_every_route_lists_its_parameters():
    assert set(params.ROUTE_PARAMS) == {
        "tags",
        "steps",
        "sample",
        "samples",
        "table",
        "blob",
        "render",
        "static",
    }
    assert "clip_mode" in params.ROUTE_PARAMS["render"]


def test_check_known():
    params.check_known(MultiDict({"run": "a", "tag": "b"}), "steps")
    with pytest.raises(InvalidArgumentError, match="unknown parameter 'stpe'; known"):
        params.check_known(MultiDict({"run": "a", "stpe": "3"}), "sample")


@pytest.mark.parametrize("text, value", [("0", 0), ("007", 7), (" 12 ", 12)])
def test_parse_index(text, value):
    assert params.parse_index(text, "step") == value


@pytest.mark.parametrize("text", ["-1", "x", "1.5", "1e3", "٣"])
def test_parse_index_refuses(text):
    with pytest.raises(InvalidArgumentError, match="step: expected a non-negative integer"):
        params.parse_index(text, "step")


def test_parse_index_huge_is_not_found():
    with pytest.raises(NotFoundError, match="64-bit"):
        params.parse_index("9" * 40, "step")


def test_sample_args():
    args = MultiDict({"run": "r", "tag": "t", "sample": "2"})
    assert params.sample_args(args) == ("r", "t", None, 2)
    with pytest.raises(InvalidArgumentError, match="missing parameter 'tag'"):
        params.sample_args(MultiDict({"run": "r"}))
