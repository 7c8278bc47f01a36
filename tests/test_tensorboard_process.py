"""A real `tensorboard` process finds the installed plugin and serves it, on both backends."""

import gzip
import json
import urllib.parse

import numpy as np
import pytest
from helpers import saliency_logdir
from helpers.tb_process import fetch, fetch_json, tensorboard_process

from tensorboard_plugin_saliency.format import encoding

LOAD_FAST = ("false", "true")
TRAIN = {"run": "train", "tag": "saliency/cls"}


@pytest.fixture(scope="module", params=LOAD_FAST)
def server(request, written):
    logdir, expected = written
    with tensorboard_process(
        logdir, load_fast=request.param, wait_for_runs=["train", "eval", "mixed"]
    ) as base_url:
        yield base_url + "/data/plugin/saliency/", expected, base_url


def url(prefix, route, **params):
    return prefix + route + ("?" + urllib.parse.urlencode(params) if params else "")


def test_plugins_listing(server):
    _, _, base_url = server
    listing = fetch_json(base_url + "/data/plugins_listing")
    assert listing["saliency"]["enabled"] is True
    assert listing["saliency"]["tab_name"] == "Saliency"
    assert listing["saliency"]["loading_mechanism"]["module_path"].endswith(
        "/data/plugin/saliency/static/index.js"
    )


def test_routes_and_blobs(server):
    prefix, expected, _ = server
    tags = fetch_json(url(prefix, "tags"))
    assert tags["train"]["saliency/cls"]["masks"] == ["grad", "gradcam"]
    steps = fetch_json(url(prefix, "steps", **TRAIN))
    assert [s["step"] for s in steps] == list(saliency_logdir.TRAIN_STEPS)

    for step in (0, 40):
        blobs = expected[("train", "saliency/cls")][step]
        manifest = encoding.parse_manifest(blobs[0])
        sample = fetch_json(url(prefix, "sample", step=step, sample=1, **TRAIN))
        status, headers, body = fetch(prefix + sample["image"]["url"])
        assert status == 200 and headers["Content-Type"] == "image/png"
        assert "immutable" in headers["Cache-Control"]
        np.testing.assert_array_equal(
            encoding.decode_png(body), encoding.decode_png(blobs[encoding.image_index(manifest, 1)])
        )
        for j, mask in enumerate(sample["masks"]):
            stored = blobs[encoding.mask_index(manifest, 1, j)]
            status, headers, body = fetch(prefix + mask["url"], headers={"Accept-Encoding": "gzip"})
            assert status == 200
            assert headers["Content-Encoding"] == "gzip"
            assert headers["Content-Type"] == "application/octet-stream"
            assert body == stored
            info = manifest.samples[1].masks[j]
            np.testing.assert_array_equal(
                encoding.decode_mask(body, info), encoding.decode_mask(stored, info)
            )
            # Without Accept-Encoding: the server inflates it.
            status, headers, body = fetch(prefix + mask["url"])
            assert status == 200 and "Content-Encoding" not in headers
            assert body == gzip.decompress(stored)


def test_render_and_static(server):
    prefix, _, _ = server
    status, headers, body = fetch(url(prefix, "render", mask="gradcam", **TRAIN))
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert encoding.decode_png(body).shape[:2] == (12, 16)
    status, headers, body = fetch(prefix + "static/colormaps.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    json.loads(body)


@pytest.mark.parametrize(
    "route,params,code",
    [
        ("steps", {"run": "nope", "tag": "x"}, 404),
        ("sample", {"step": "x", **TRAIN}, 400),
        ("blob", {"key": "garbage"}, 404),
        ("render", {"colormap": "nope", **TRAIN}, 400),
        ("static/../plugin.py", {}, 404),
    ],
)
def test_errors(server, route, params, code):
    prefix, _, _ = server
    status, headers, body = fetch(url(prefix, route, **params))
    assert status == code
    assert b"Traceback" not in body


@pytest.mark.parametrize("load_fast", LOAD_FAST)
def test_inactive_without_saliency_data(tmp_path, load_fast):
    saliency_logdir.write_plain_logdir(str(tmp_path))
    with tensorboard_process(str(tmp_path), load_fast=load_fast, wait_for_runs=["run"]) as base_url:
        listing = fetch_json(base_url + "/data/plugins_listing")
        assert listing["saliency"]["enabled"] is False
        assert fetch_json(base_url + "/data/plugin/saliency/tags") == {}
