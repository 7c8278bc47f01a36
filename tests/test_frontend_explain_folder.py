"""End to end: an image folder of 3 classes explained by `tensorboard-saliency
explain` (a TorchScript model trained a little, two methods), read by a real
TensorBoard on each backend, and its grid sorted by confidence in headless Chromium
(`tests/e2e_explain_folder.mjs`): every image once, the rows in confidence order,
each caption naming its image's folder and confidence, down to the last row.

    node tests/e2e_explain_folder.mjs ... --shot /tmp/folder  # /tmp/folder-sorted.png
"""

import os
import subprocess
import sys

import pytest
from helpers import image_folder
from helpers.browser_tools import require_browser, run_page_script

from tensorboard_plugin_saliency import reader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = "folder"
TAG = "val/shapes"


@pytest.fixture(scope="module")
def explained(tmp_path_factory):
    """`(logdir, spec)`: the folder explained into run `folder` of `logdir`."""
    require_browser()
    root = tmp_path_factory.mktemp("explain_folder")
    folder, _, ids = image_folder.write_folder(str(root))
    model = image_folder.torchscript_model(str(root / "model.pt"), folder, ids)  # trained a little
    logdir = root / "logs"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tensorboard_plugin_saliency.cli",
            "explain",
            "--model",
            model,
            "--images",
            folder,
            "--logdir",
            str(logdir / RUN),
            "--methods",
            "gradients",
            "integrated_gradients",
            "--param",
            "integrated_gradients.steps=4",
            "--tag",
            TAG,
            "--part-size",
            "8",
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (record,) = reader.read_saliency(str(logdir), run=RUN, tag=TAG)
    assert record.ids == ids
    fields = record.fields
    spec = {
        "run": RUN,
        "tag": TAG,
        "classes": record.class_names,
        "ids": record.ids,
        "true": [f["true"] for f in fields],
        "confidence": [f["confidence"] for f in fields],
        "correct": [f["correct"] for f in fields],
    }
    assert spec["classes"] == image_folder.CLASSES
    # Distinct confidences: the order the page must show is the only one.
    assert len({round(c, 6) for c in spec["confidence"]}) == len(ids)
    return str(logdir), spec


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_folder_explained_then_sorted_by_confidence_in_chromium(explained, tmp_path, load_fast):
    logdir, spec = explained
    run_page_script("e2e_explain_folder.mjs", spec, logdir, load_fast, tmp_path)
