"""`tensorboard-saliency render`: the same PNG as `/render`, and one-line errors."""

import os
import subprocess
import sys
import urllib.parse

import pytest
from helpers import saliency_logdir, tb_backends
from werkzeug.test import Client

from tensorboard_plugin_saliency import cli


@pytest.fixture(scope="module")
def logdir(written):
    return written[0]


@pytest.fixture(scope="module")
def client(logdir):
    with tb_backends.data_provider(logdir, "python") as provider:
        yield Client(tb_backends.make_app(provider, logdir))


CASES = [
    {},
    {"step": "10", "sample": "2", "mask": "gradcam"},
    {
        "step": "20",
        "mask": "grad",
        "colormap": "rdbu",
        "opacity": "0.7",
        "clip": "97.5",
        "sign": "signed",
    },
    {"colormap": "gray", "opacity": "1", "sign": "positive", "threshold": "25"},
    {"step": "20", "clip_mode": "mass", "clip": "90", "colormap": "viridis", "opacity": "1"},
]


def test_every_overlay_option_has_a_flag():
    from tensorboard_plugin_saliency import render_options

    help_text = " ".join(
        cli.build_parser()._subparsers._group_actions[0].choices["render"].format_help().split()
    )
    for option in render_options.specs():
        assert "--" + option.replace("_", "-") in help_text
    assert "percentile, mass" in help_text


@pytest.mark.parametrize("options", CASES)
def test_same_png_as_render_route(logdir, client, tmp_path, capsys, options):
    out = tmp_path / "out.png"
    argv = [
        "render",
        "--logdir",
        logdir,
        "--run",
        "train",
        "--tag",
        "saliency/cls",
        "--out",
        str(out),
    ]
    for name, value in options.items():
        argv += ["--" + name.replace("_", "-"), value]
    assert cli.main(argv) == 0
    assert "wrote" in capsys.readouterr().out
    query = urllib.parse.urlencode({"run": "train", "tag": "saliency/cls", **options})
    response = client.get("/data/plugin/saliency/render?" + query)
    assert response.status_code == 200
    assert out.read_bytes() == response.get_data()


def test_run_is_the_log_directory_itself(tmp_path, capsys):
    saliency_logdir.write_logdir(str(tmp_path / "ld"))
    out = tmp_path / "out.png"
    assert (
        cli.main(
            [
                "render",
                "--logdir",
                str(tmp_path / "ld" / "eval"),
                "--run",
                ".",
                "--tag",
                "gray",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--run", "nope", "--tag", "saliency/cls"], "no run 'nope'"),
        (["--run", "train", "--tag", "nope"], "saliency tags in run 'train': saliency/cls"),
        (["--run", "train", "--tag", "saliency/cls", "--step", "7"], "no step 7"),
        (["--run", "train", "--tag", "saliency/cls", "--step", "-1"], "non-negative"),
        (["--run", "train", "--tag", "saliency/cls", "--step", "x"], "non-negative"),
        (["--run", "train", "--tag", "saliency/cls", "--sample", "3"], "no sample 3"),
        (["--run", "train", "--tag", "saliency/cls", "--mask", "nope"], "unknown mask"),
        (["--run", "train", "--tag", "saliency/cls", "--colormap", "nope"], "colormap"),
        (["--run", "train", "--tag", "saliency/cls", "--opacity", "2"], "opacity"),
        (["--run", "train", "--tag", "saliency/cls", "--clip", "0"], "clip"),
        (["--run", "train", "--tag", "saliency/cls", "--sign", "up"], "sign"),
        (["--run", "mixed", "--tag", "sal", "--step", "3"], "newer"),
        (["--run", "train"], "--tag"),
    ],
)
def test_errors(logdir, tmp_path, capsys, args, fragment):
    out = tmp_path / "out.png"
    assert cli.main(["render", "--logdir", logdir, "--out", str(out)] + args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tensorboard-saliency: error:")
    assert fragment in err
    assert "\n" not in err and "Traceback" not in err
    assert not out.exists()


def test_other_errors(logdir, tmp_path, capsys):
    assert (
        cli.main(
            [
                "render",
                "--logdir",
                str(tmp_path / "none"),
                "--run",
                "train",
                "--tag",
                "t",
                "--out",
                str(tmp_path / "o.png"),
            ]
        )
        == 2
    )
    assert (
        cli.main(
            [
                "render",
                "--logdir",
                logdir,
                "--run",
                "train",
                "--tag",
                "saliency/cls",
                "--out",
                str(tmp_path / "no" / "o.png"),
            ]
        )
        == 2
    )
    assert cli.main([]) == 2
    assert cli.main(["nope"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 4
    assert all(line.startswith("tensorboard-saliency: error:") for line in errors)


# The console script of the interpreter under test, not whichever is first on PATH.
SCRIPT = os.path.join(os.path.dirname(sys.executable), "tensorboard-saliency")


@pytest.mark.skipif(
    not os.path.exists(SCRIPT) and not os.environ.get("CI"),
    reason="console script not installed beside %s" % sys.executable,
)
def test_console_script(logdir, client, tmp_path):
    out = tmp_path / "out.png"
    result = subprocess.run(
        [
            SCRIPT,
            "render",
            "--logdir",
            logdir,
            "--run",
            "train",
            "--tag",
            "saliency/cls",
            "--sample",
            "1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    response = client.get("/data/plugin/saliency/render?run=train&tag=saliency/cls&sample=1")
    assert out.read_bytes() == response.get_data()
    result = subprocess.run(
        [SCRIPT, "render", "--logdir", logdir], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0


def test_methods_lists_the_table(capsys):
    from tensorboard_plugin_saliency.methods import describe, table

    assert cli.main(["methods"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == list(table.METHODS)
    assert cli.main(["methods", "integrated_gradients"]) == 0
    one = capsys.readouterr().out
    assert "steps=25: points on the path per image" in one
    assert "rule='pair':" in one
    assert "Sundararajan et al. 2017" in one
    assert cli.main(["methods", "--markdown"]) == 0
    assert capsys.readouterr().out.strip() == describe.markdown()
    assert cli.main(["methods", "lime"]) == 2
    assert "'lime' is not one of gradients" in capsys.readouterr().err
