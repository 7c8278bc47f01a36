"""The overlay options: one list (render_options.json), parsed from text, checked once."""

import pytest

from tensorboard_plugin_saliency import render, render_options
from tensorboard_plugin_saliency.render_options import RenderOptions


def test_the_list_matches_the_renderer():
    assert render_options.choices("colormap") == render.COLORMAPS
    assert set(render.load_colormaps()["maps"]) == set(render.COLORMAPS)
    assert render_options.choices("clip_mode") == ("percentile", "mass")
    assert list(render_options.specs()) == [
        "colormap",
        "opacity",
        "sign",
        "clip",
        "clip_mode",
        "threshold",
    ]


def test_parse_text():
    options = RenderOptions.parse(
        {"colormap": "rdbu", "opacity": "0.25", "clip": "98", "clip_mode": "mass", "sign": ""}
    )
    assert options == RenderOptions(colormap="rdbu", opacity=0.25, clip=98.0, clip_mode="mass")
    assert options.kwargs() == {
        "colormap": "rdbu",
        "opacity": 0.25,
        "clip": 98.0,
        "clip_mode": "mass",
    }
    assert RenderOptions.parse({}).kwargs() == {}


@pytest.mark.parametrize(
    "texts, message",
    [
        ({"clip_mode": "cumulative"}, "--clip-mode: expected one of percentile, mass"),
        ({"opacity": "x"}, "--opacity: expected a number, got 'x'"),
        ({"opacity": "nan"}, r"--opacity: expected a number in \[0, 1\]"),
        ({"clip": "0"}, r"--clip: expected a percentage in \(0, 100\]"),
        ({"threshold": "101"}, "--threshold"),
    ],
)
def test_parse_errors_name_the_option(texts, message):
    with pytest.raises(ValueError, match=message):
        RenderOptions.parse(texts, spell=lambda o: "--" + o.replace("_", "-"))


def test_typed_values_are_checked():
    with pytest.raises(ValueError, match="sign: expected one of"):
        RenderOptions(sign="both")
