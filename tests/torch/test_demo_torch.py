"""`tensorboard-saliency demo --framework torch`: the shapes, a torch CNN trained with a
plain loop, Captum attributions logged every epoch; the masks sit on the object (its
pixels are known), as in the TF demo (tests/test_demo.py)."""

import os
import re
import subprocess
import sys

import pytest

from tensorboard_plugin_saliency import demo_torch, reader

MIN_MEAN_RATIO = 3.0  # 1 is chance; the object covers about 7% of an image


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """`(logdir, printed lines)` of the demo command, run as a user runs it."""
    logdir = str(tmp_path_factory.mktemp("torch-demo"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tensorboard_plugin_saliency.cli",
            "demo",
            "--framework",
            "torch",
            "--no-serve",
            "--logdir",
            logdir,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return logdir, result.stdout.splitlines()


def test_it_logs_every_epoch_with_captions_and_provenance(run):
    logdir, _ = run
    records = reader.read_saliency(logdir, tag="validation/shapes")
    assert [r.step for r in records] == list(range(1, 9))
    last = records[-1]
    assert sorted(last.masks) == sorted(demo_torch.TORCH_METHODS)
    assert last.images.shape == (8, 48, 48, 3)
    assert all(re.fullmatch(r"true: \w+ · pred: \w+ \d\.\d\d", label) for label in last.labels)
    assert last.method_params["integrated_gradients"] == {"steps": 25, "baseline": None}
    # The shapes' objects are the regions, and each mask is scored against them.
    assert [r.kind for r in last.regions] == ["binary"] * 8
    assert len(last.scores["integrated_gradients"]["mass_ratio"]) == 8


def test_the_model_learns_and_its_masks_sit_on_the_object(run):
    _, lines = run
    (accuracy,) = [
        float(line.split()[-1]) for line in lines if line.startswith("validation accuracy")
    ]
    assert accuracy > 0.9
    for name in ("integrated_gradients", "smoothgrad"):
        (line,) = [line for line in lines if line.startswith("mask mass") and name + ":" in line]
        ratio = float(re.search(r": (\d+\.\d)x", line).group(1))
        assert ratio > MIN_MEAN_RATIO, line
