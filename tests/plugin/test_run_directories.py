"""A run resolves to the directory its asset files are below, and to nothing else."""

import os
import urllib.parse

import numpy as np
import pytest
from helpers.tb_process import fetch, fetch_json, tensorboard_process

from tensorboard_plugin_saliency import summary
from tensorboard_plugin_saliency.plugin import blobs
from tensorboard_plugin_saliency.plugin.errors import NotFoundError
from tensorboard_plugin_saliency.plugin.run_directories import RunDirectories

P = "/data/plugin/saliency/"


def test_runs_below_the_log_directory(tmp_path):
    directories = RunDirectories(str(tmp_path))
    assert directories(".") == str(tmp_path)
    assert directories("a") == os.path.join(str(tmp_path), "a")
    assert directories("a/b") == os.path.join(str(tmp_path), "a", "b")


def test_runs_below_a_url():
    directories = RunDirectories("s3://bucket/logs")
    assert directories("a/b") == "s3://bucket/logs/a/b"


@pytest.mark.parametrize(
    "run", ["..", "../other", "a/../../x", "/etc", "a//b", "a/./b", "a\\..\\b", ""]
)
def test_a_run_name_that_leaves_the_log_directory_is_rejected(tmp_path, run):
    with pytest.raises(NotFoundError, match="no run"):
        RunDirectories(str(tmp_path))(run)


def test_no_log_directory_no_run():
    with pytest.raises(NotFoundError, match="no directory known"):
        RunDirectories(None)("train")


def _write(directory, value):
    images = np.full((2, 8, 8, 3), value, np.uint8)
    with summary.SaliencyWriter(directory) as writer:
        writer.add("sal", images, {"grad": np.ones((2, 8, 8))}, step=1)


def _image_status(url, run):
    sample = fetch_json(url + P + "sample?" + urllib.parse.urlencode({"run": run, "tag": "sal"}))
    status, _, body = fetch(url + P + sample["image"]["url"])
    return status, body


def test_logdir_spec_runs_read_their_own_asset_files(tmp_path):
    """With `--logdir_spec` (Python backend) runs are named by the spec, not by their
    path ("alpha/." for the spec's directory itself): their asset files are found
    through the multiplexer's run paths."""
    first, second = str(tmp_path / "x" / "first"), str(tmp_path / "y" / "second")
    _write(first, 10)
    _write(second, 200)
    spec = "--logdir_spec=alpha:%s,beta:%s" % (first, second)
    with tensorboard_process(None, extra_args=[spec], wait_for_runs=["alpha/.", "beta/."]) as url:
        for run in ("alpha/.", "beta/."):
            status, body = _image_status(url, run)
            assert status == 200 and body[:4] == b"\x89PNG", body[:300]
        # A key naming a run that is not one, with a real manifest: a 404, not a read
        # outside the log directories.
        sample = fetch_json(url + P + "sample?run=alpha/.&tag=sal")
        key = sample["image"]["url"].split("key=", 1)[1]
        _, manifest_key, _ = blobs.parse_asset_key(urllib.parse.unquote(key))
        for run in ("../y/second", "gamma"):
            status, headers, body = fetch(
                url + P + "blob?key=" + blobs.asset_key(run, manifest_key, 1)
            )
            assert status == 404 and headers["Content-Type"].startswith("application/json")
