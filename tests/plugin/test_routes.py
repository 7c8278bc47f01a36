"""The plugin's routes through TensorBoard's own WSGI application, on both backends."""

import base64
import gzip
import json
import logging
import urllib.parse

import numpy as np
import pytest
from helpers import saliency_logdir, tb_backends
from tensorboard.plugins import base_plugin
from werkzeug.test import Client

from tensorboard_plugin_saliency import plugin, render, static_files
from tensorboard_plugin_saliency.format import codec, encoding
from tensorboard_plugin_saliency.plugin import blobs

P = "/data/plugin/saliency/"
TRAIN = {"run": "train", "tag": "saliency/cls"}


make_app = tb_backends.make_app


@pytest.fixture(scope="module", params=tb_backends.BACKENDS)
def server(request, written):
    logdir, expected = written
    with tb_backends.data_provider(logdir, request.param) as provider:
        app = make_app(provider, logdir)
        yield Client(app), expected, request.param, provider


def get(client, route, headers=None, **params):
    url = P + route
    if params:
        url += "?" + urllib.parse.urlencode(params)
    return client.get(url, headers=headers or {})


def get_json(client, route, **params):
    response = get(client, route, **params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.get_data())


def assert_error(response, code):
    body = response.get_data(as_text=True)
    assert response.status_code == code, body
    assert response.headers["Content-Type"].startswith("application/json")
    message = json.loads(body)["error"]
    assert isinstance(message, str) and message
    assert "Traceback" not in body
    return message


# ---------------------------------------------------------------------------
# /tags and /steps


def test_tags(server):
    client = server[0]
    tags = get_json(client, "tags")
    assert set(tags) == {"train", "eval", "mixed"}
    cls = tags["train"]["saliency/cls"]
    assert cls["samples"] == 3
    assert cls["masks"] == ["grad", "gradcam"]
    assert cls["displayName"] == "saliency/cls"
    assert "<strong>classifier</strong>" in cls["description"]
    assert "loss" not in tags["train"]
    assert tags["eval"] == {
        "gray": {"displayName": "gray", "description": "", "samples": 1, "masks": ["mask"]}
    }
    # The latest step of mixed/sal is in a newer format: the tag is described by
    # the latest readable one; the tag with newer plugin data is left out.
    assert tags["mixed"] == {
        "sal": {"displayName": "sal", "description": "", "samples": 2, "masks": ["grad", "gradcam"]}
    }


def test_steps(server):
    client = server[0]
    steps = get_json(client, "steps", **TRAIN)
    assert steps == [
        {"step": s, "wall_time": 1000.0 + s, "samples": 3} for s in saliency_logdir.TRAIN_STEPS
    ]
    # Cached answer is the same.
    assert get_json(client, "steps", **TRAIN) == steps
    assert get_json(client, "steps", run="eval", tag="gray") == [
        {"step": 5, "wall_time": 2000.0, "samples": 1}
    ]


def test_steps_skip_newer_format(server):
    client = server[0]
    steps = get_json(client, "steps", run="mixed", tag="sal")
    assert [s["step"] for s in steps] == [1, 2]
    assert all(s["samples"] == 2 for s in steps)


@pytest.mark.parametrize(
    "params,code",
    [
        ({}, 400),
        ({"run": "train"}, 400),
        ({"tag": "saliency/cls"}, 400),
        ({"run": "nope", "tag": "saliency/cls"}, 404),
        ({"run": "train", "tag": "nope"}, 404),
        ({"run": "train", "tag": "loss"}, 404),
        ({"run": "mixed", "tag": "future"}, 422),
    ],
)
def test_steps_errors(server, params, code):
    client = server[0]
    message = assert_error(get(client, "steps", **params), code)
    if code == 400:
        assert "missing" in message


# ---------------------------------------------------------------------------
# /sample and /blob


def test_sample_defaults_to_latest_step_and_first_sample(server):
    client, expected = server[:2]
    sample = get_json(client, "sample", **TRAIN)
    assert sample["step"] == 40 and sample["sample"] == 0
    assert sample["run"] == "train" and sample["tag"] == "saliency/cls"
    assert sample["wall_time"] == 1040.0
    assert sample["samples"] == 3
    assert sample["label"] == "label 40/0"
    assert sample["image"]["url"].startswith("blob?key=")
    assert (sample["image"]["width"], sample["image"]["height"], sample["image"]["channels"]) == (
        16,
        12,
        3,
    )
    names = [m["name"] for m in sample["masks"]]
    assert names == ["grad", "gradcam"]
    manifest = json.loads(expected[("train", "saliency/cls")][40][0])
    grad, gradcam = sample["masks"]
    assert (grad["width"], grad["height"]) == (16, 12)
    assert (gradcam["width"], gradcam["height"]) == (4, 3)
    assert grad["min"] == manifest["samples"][0]["masks"][0]["min"]
    assert grad["max"] == manifest["samples"][0]["masks"][0]["max"]
    assert grad["params"] == {"nsamples": 25} and gradcam["params"] == {}
    assert all(m["url"].startswith("blob?key=") for m in sample["masks"])


def test_samples_is_sample_at_every_kept_step(server):
    client = server[0]
    every = get_json(client, "samples", sample="2", **TRAIN)
    assert [a["step"] for a in every] == list(saliency_logdir.TRAIN_STEPS)
    for answer in every:
        assert answer == get_json(client, "sample", step=str(answer["step"]), sample="2", **TRAIN)
    # A sample past a step's batch is its last image.
    assert [a["sample"] for a in get_json(client, "samples", sample="7", **TRAIN)] == [2] * 5
    assert [a["step"] for a in get_json(client, "samples", run="mixed", tag="sal")] == [1, 2]


@pytest.mark.parametrize(
    "params,code",
    [
        ({"tag": "saliency/cls"}, 400),
        ({"run": "train", "tag": "saliency/cls", "sample": "-1"}, 400),
        ({"run": "train", "tag": "nope"}, 404),
        ({"run": "train", "tag": "saliency/cls", "step": "0"}, 400),
    ],
)
def test_samples_errors(server, params, code):
    assert_error(get(server[0], "samples", **params), code)


@pytest.mark.parametrize("step,index", [(0, 0), (20, 2), (40, 1)])
def test_sample_blobs_equal_what_was_written(server, step, index):
    client, expected = server[:2]
    blobs = expected[("train", "saliency/cls")][step]
    manifest = encoding.parse_manifest(blobs[0])
    sample = get_json(client, "sample", step=step, sample=index, **TRAIN)
    assert sample["step"] == step and sample["sample"] == index
    assert sample["label"] == "label %d/%d" % (step, index)

    image = get(client, sample["image"]["url"])
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in image.headers["Cache-Control"]
    assert "max-age=86400" in image.headers["Cache-Control"]
    assert image.get_data() == blobs[encoding.image_index(manifest, index)]

    for j, mask in enumerate(sample["masks"]):
        stored = blobs[encoding.mask_index(manifest, index, j)]
        raw = get(client, mask["url"], headers={"Accept-Encoding": "gzip"})
        assert raw.status_code == 200
        assert raw.headers["Content-Type"] == "application/octet-stream"
        assert raw.headers["Content-Encoding"] == "gzip"
        assert "immutable" in raw.headers["Cache-Control"]
        assert raw.get_data() == stored
        # A client that does not accept gzip gets the inflated planes.
        plain = get(client, mask["url"])
        assert plain.status_code == 200
        assert "Content-Encoding" not in plain.headers
        assert plain.get_data() == gzip.decompress(stored)
        info = manifest.samples[index].masks[j]
        np.testing.assert_array_equal(
            encoding.decode_mask(raw.get_data(), info), encoding.decode_mask(stored, info)
        )


@pytest.mark.parametrize(
    "params,code",
    [
        ({"run": "train"}, 400),
        ({"tag": "saliency/cls"}, 400),
        ({"step": "abc", **TRAIN}, 400),
        ({"step": "-1", **TRAIN}, 400),
        ({"step": "1.5", **TRAIN}, 400),
        ({"sample": "x", **TRAIN}, 400),
        ({"sample": "-2", **TRAIN}, 400),
        ({"run": "nope", "tag": "saliency/cls"}, 404),
        ({"run": "train", "tag": "nope"}, 404),
        ({"run": "mixed", "tag": "future"}, 422),
        ({"step": "7", **TRAIN}, 404),
        ({"step": "99999999999999999999", **TRAIN}, 404),
        ({"sample": "3", **TRAIN}, 404),
    ],
)
def test_sample_errors(server, params, code):
    client = server[0]
    assert_error(get(client, "sample", **params), code)


def test_sample_newer_format(server):
    client = server[0]
    message = assert_error(get(client, "sample", run="mixed", tag="sal", step=3), 422)
    assert "newer" in message
    # The latest readable step is the default.
    assert get_json(client, "sample", run="mixed", tag="sal")["step"] == 2


def test_newer_format_warns_once(written, caplog):
    logdir, _ = written
    with tb_backends.data_provider(logdir, "python") as provider:
        client = Client(make_app(provider, logdir))
        with caplog.at_level(logging.WARNING, logger="tensorboard_plugin_saliency.plugin"):
            get_json(client, "tags")
            get_json(client, "tags")
            get(client, "sample", run="mixed", tag="sal", step=3)
            get(client, "steps", run="mixed", tag="future")
    warnings = [r for r in caplog.records if "too new" in r.getMessage()]
    assert len(warnings) == 1


def _url_key(url):
    return urllib.parse.unquote(url.split("=", 1)[1])


def _with_index(provider_key, index):
    """A provider blob key with its blob index replaced (both backends' keys are
    URL-safe base64 of a JSON list ending with the index)."""
    decoded = json.loads(_b64decode(provider_key))
    decoded[-1] = index
    return _b64encode(json.dumps(decoded, separators=(",", ":")))


def _manifest_key(url):
    """The provider's key of the manifest of the step that blob `url` belongs to."""
    key = _url_key(url)
    if key.startswith(blobs.ASSET_KEY_PREFIX):
        return blobs.parse_asset_key(key)[1]
    return _with_index(key, 0)


def _key_with_index(url, index):
    """The blob key of `url` with its blob index replaced."""
    key = _url_key(url)
    if key.startswith(blobs.ASSET_KEY_PREFIX):
        run, manifest_key, _ = blobs.parse_asset_key(key)
        return blobs.asset_key(run, manifest_key, index)
    return _with_index(key, index)


def test_images_and_masks_are_read_from_asset_files(server):
    """SaliencyWriter(logdir) writes format 3: the page's keys name asset blobs."""
    client = server[0]
    sample = get_json(client, "sample", **TRAIN)
    assert _url_key(sample["image"]["url"]).startswith(blobs.ASSET_KEY_PREFIX)


def test_blob_manifest_is_json(server):
    client, expected = server[:2]
    sample = get_json(client, "sample", **TRAIN)
    response = get(client, "blob", key=_manifest_key(sample["image"]["url"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    data = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    got, inline = json.loads(data), json.loads(expected[("train", "saliency/cls")][40][0])
    assert got.pop("asset")["path"].startswith("plugins/saliency/saliency%2Fcls/40-")
    assert (got.pop("version"), inline.pop("version")) == (4, 1)
    assert got == inline


@pytest.mark.parametrize(
    "key",
    [
        "garbage",
        "WyJ4Il0",
        "e30",
        "%00",
        "a" * 300,
        "WyIiLCJzYWxpZW5jeSIsInRyYWluIiwic2FsaWVuY3kvY2xzIiw0MCw5OV0",
    ],
)
def test_blob_unknown_key(server, key):
    client = server[0]
    assert_error(get(client, "blob", key=key), 404)


@pytest.mark.parametrize("index", [0, -1, 13, 999])
def test_blob_out_of_range_key(server, index):
    """A well-formed key of the backend at an index past the end is a 404."""
    client = server[0]
    sample = get_json(client, "sample", **TRAIN)
    assert_error(get(client, "blob", key=_key_with_index(sample["image"]["url"], index)), 404)


def test_blob_key_of_other_step(server):
    client = server[0]
    sample = get_json(client, "sample", **TRAIN)
    decoded = json.loads(_b64decode(_manifest_key(sample["image"]["url"])))
    decoded[-2] = 41  # no such step
    other = _b64encode(json.dumps(decoded, separators=(",", ":")))
    assert_error(get(client, "blob", key=other), 404)
    assert_error(get(client, "blob", key=blobs.asset_key("train", other, 1)), 404)


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def _b64encode(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_blob_missing_key(server):
    client = server[0]
    assert_error(get(client, "blob"), 400)
    assert_error(get(client, "blob", key=""), 400)


# ---------------------------------------------------------------------------
# /render


def _expected_png(expected, step, sample, mask, **options):
    blobs = expected[("train", "saliency/cls")][step]
    manifest = encoding.parse_manifest(blobs[0])
    image = encoding.decode_png(blobs[encoding.image_index(manifest, sample)])
    values = encoding.decode_mask(
        blobs[encoding.mask_index(manifest, sample, mask)], manifest.samples[sample].masks[mask]
    )
    values = codec.snap_zero(values, manifest.samples[sample].masks[mask])
    return render.png_bytes(image, values, **options)


def test_render_defaults(server):
    client, expected = server[:2]
    response = get(client, "render", **TRAIN)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.get_data() == _expected_png(expected, 40, 0, 0)


def test_render_options(server):
    client, expected = server[:2]
    response = get(
        client,
        "render",
        step=10,
        sample=2,
        mask="gradcam",
        colormap="viridis",
        opacity="0.8",
        clip="95",
        sign="signed",
        threshold="50",
        **TRAIN,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data() == _expected_png(
        expected,
        10,
        2,
        1,
        colormap="viridis",
        opacity=0.8,
        clip=95.0,
        sign="signed",
        threshold=50.0,
    )


@pytest.mark.parametrize(
    "params,code",
    [
        ({"colormap": "nope"}, 400),
        ({"opacity": "1.5"}, 400),
        ({"opacity": "-0.1"}, 400),
        ({"opacity": "x"}, 400),
        ({"opacity": "nan"}, 400),
        ({"clip": "0"}, 400),
        ({"clip": "101"}, 400),
        ({"clip": "inf"}, 400),
        ({"sign": "sideways"}, 400),
        ({"threshold": "0"}, 400),
        ({"threshold": "x"}, 400),
        ({"step": "x"}, 400),
        ({"sample": "-1"}, 400),
        ({"mask": "nope"}, 404),
        ({"step": "3"}, 404),
        ({"sample": "5"}, 404),
        ({"run": "nope"}, 404),
        ({"tag": "nope"}, 404),
        ({"run": ""}, 400),
    ],
)
def test_render_errors(server, params, code):
    client = server[0]
    assert_error(get(client, "render", **{**TRAIN, **params}), code)


def test_render_clip_mode_mass(server):
    client, expected = server[:2]
    options = dict(clip="90", clip_mode="mass", colormap="viridis", opacity="1")
    mass = get(client, "render", step=20, **options, **TRAIN)
    assert mass.status_code == 200, mass.get_data(as_text=True)
    assert mass.get_data() == _expected_png(
        expected, 20, 0, 0, clip=90.0, clip_mode="mass", colormap="viridis", opacity=1.0
    )
    percentile = get(client, "render", step=20, **{**options, "clip_mode": "percentile"}, **TRAIN)
    assert percentile.get_data() != mass.get_data()


@pytest.mark.parametrize(
    "route, params",
    [
        ("tags", {}),
        ("steps", TRAIN),
        ("sample", TRAIN),
        ("blob", {"key": "x"}),
        ("render", TRAIN),
        ("static/index.js", {}),
    ],
)
def test_unknown_parameter_names_the_known_ones(server, route, params):
    client = server[0]
    message = assert_error(get(client, route, **params, clipmode="mass"), 400)
    assert "'clipmode'" in message
    known = {
        "tags": "none",
        "steps": "run, tag",
        "sample": "run, tag, step, sample",
        "blob": "key",
        "static/index.js": "none",
        "render": "run, tag, step, sample, mask, colormap, opacity, sign, clip, "
        "clip_mode, threshold",
    }[route]
    assert "known parameters: " + known in message


def test_render_newer_format(server):
    client = server[0]
    assert "newer" in assert_error(get(client, "render", run="mixed", tag="sal", step=3), 422)


# ---------------------------------------------------------------------------
# /static


@pytest.mark.parametrize(
    "name,content_type",
    [
        ("colormaps.json", "application/json"),
        ("pipeline/clip.js", "text/javascript"),
    ],
)
def test_static(server, name, content_type):
    client = server[0]
    response = get(client, "static/" + name)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(content_type)
    with open(static_files.static_dir() + "/" + name, "rb") as f:
        assert response.get_data() == f.read()


@pytest.mark.parametrize(
    "path",
    [
        "static/../plugin.py",
        "static/%2e%2e/plugin.py",
        "static/..%2fsetup.py",
        "static//etc/passwd",
        "static/%2fetc%2fpasswd",
        "static/..\\setup.py",
        "static/pipeline/clip.js%00.json",
        "static/nope.js",
        "static/",
        "static/core",
        "static/./pipeline/clip.js",
    ],
)
def test_static_rejects(server, path):
    client = server[0]
    response = client.get(P + path)
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


# ---------------------------------------------------------------------------
# Plugin object


def test_is_active_and_metadata(written, tmp_path):
    logdir, _ = written
    with tb_backends.data_provider(logdir, "python") as provider:
        context = base_plugin.TBContext(data_provider=provider, sampling_hints={})
        instance = plugin.SaliencyLoader().load(context)
        assert instance.is_active()
        meta = instance.frontend_metadata()
        assert meta.es_module_path == "/static/index.js"
        assert meta.tab_name == "Saliency"
    saliency_logdir.write_plain_logdir(str(tmp_path))
    with tb_backends.data_provider(str(tmp_path), "python") as provider:
        context = base_plugin.TBContext(data_provider=provider, sampling_hints={})
        assert not plugin.SaliencyLoader().load(context).is_active()


def test_downsampling_hint(written):
    """With a hint of 2, /steps lists at most 2 steps, always with the latest."""
    logdir, _ = written
    with tb_backends.data_provider(logdir, "python") as provider:
        client = Client(make_app(provider, logdir, samples=2))
        steps = get_json(client, "steps", **TRAIN)
    assert len(steps) == 2 and steps[-1]["step"] == 40


def test_steps_cache_follows_new_data(tmp_path):
    """The cached /steps answer is refreshed once the backend holds a new step."""
    from tensorboard.backend.event_processing import data_provider as mux_provider
    from tensorboard.backend.event_processing import plugin_event_multiplexer

    from tensorboard_plugin_saliency.summary import SaliencyWriter

    logdir = str(tmp_path)
    multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"saliency": 0})
    multiplexer.AddRunsFromDirectory(logdir)
    client = Client(make_app(mux_provider.MultiplexerDataProvider(multiplexer, logdir), logdir))
    with SaliencyWriter(str(tmp_path / "run"), parts=False) as writer:
        for step in (1, 2):
            images, masks = saliency_logdir.images_and_masks(step, n=1)
            writer.add("t", images, masks, step)
            writer.flush()
            multiplexer.AddRunsFromDirectory(logdir)
            multiplexer.Reload()
            steps = get_json(client, "steps", run="run", tag="t")
            assert [s["step"] for s in steps] == list(range(1, step + 1))
            assert get_json(client, "sample", run="run", tag="t")["step"] == step


@pytest.mark.parametrize("backend", tb_backends.BACKENDS)
def test_a_listed_tag_that_cannot_be_read_says_why(tmp_path, backend):
    """A tag whose kept steps are all unreadable is listed with an error, not dropped."""
    from tensorboard.compat.proto import event_pb2

    from tensorboard_plugin_saliency.event_writer import EventFileWriter

    writer = EventFileWriter(str(tmp_path / "run"))
    pb = saliency_logdir.blobs_pb("broken", [b"not a manifest", b"x"])
    writer.add_event(event_pb2.Event(step=1, wall_time=1.0, summary=pb))
    writer.close()
    with tb_backends.wsgi_client(str(tmp_path), backend) as client:
        tags = get_json(client, "tags")
    entry = tags["run"]["broken"]
    assert entry["samples"] == 0 and entry["masks"] == []
    assert "none of its kept steps can be read" in entry["error"]


def test_unreadable_message_for_a_name_with_a_quote():
    message = plugin.data.unreadable_message('run "a"', "t")
    assert "--load_fast=false" in message and "double quote" in message
