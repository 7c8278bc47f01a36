"""End to end: a mask's scores beside it in the Saliency tab.

Writes one run of 3 steps with a batch of 4 images and 3 masks, two of them with
faithfulness scores (AUCs, random baselines and curves, different per image and
step), one without, and a mask and a score whose names hold HTML; starts
`tensorboard` on 127.0.0.1 on each backend and runs `tests/e2e_scores.mjs` in
headless Chromium: the grid shows each cell's AUCs and each column's batch means,
the single view the shown image's scores and curves (points where the stored
curves put them), a mask without scores shows none, and names show as text.
"""

import os

import numpy as np
import pytest
from helpers.browser_tools import run_page_script

from tensorboard_plugin_saliency.summary import SaliencyWriter

TAG = "val/scored"
STEPS = (0, 1, 2)
SAMPLES = 4
HTML = "<b>x</b>"
MASKS = ("integrated_gradients", HTML, "plain")
POINTS = 6


def scores(step):
    """The scores of the two scored masks at `step`; every value differs."""
    out = {}
    for k, name in enumerate(MASKS[:2]):
        base = 0.1 + 0.2 * k + 0.01 * step
        auc = [round(base + 0.05 * i, 4) for i in range(SAMPLES)]
        curves = [
            [round(1 - (j / (POINTS - 1)) * (0.5 + 0.1 * i + 0.05 * k), 4) for j in range(POINTS)]
            for i in range(SAMPLES)
        ]
        out[name] = {
            "deletion_auc": auc,
            "deletion_random_auc": [0.6] * SAMPLES,
            "deletion_curve": curves,
            "deletion_random_curve": [[1 - 0.1 * j for j in range(POINTS)]] * SAMPLES,
            "insertion_auc": [round(0.9 - a, 4) for a in auc],
            HTML: [7.0 + i for i in range(SAMPLES)],
        }
    return out


def write_logdir(logdir):
    rng = np.random.default_rng(0)
    images = rng.random((SAMPLES, 16, 16, 3)).astype(np.float32)
    with SaliencyWriter(os.path.join(logdir, "run")) as writer:
        for step in STEPS:
            masks = {name: rng.random((SAMPLES, 16, 16)) for name in MASKS}
            writer.add(TAG, images, masks, step, scores=scores(step), max_outputs=SAMPLES)
    return {
        "run": "run",
        "tag": TAG,
        "masks": list(MASKS),
        "samples": SAMPLES,
        "steps": list(STEPS),
        "scores": {str(step): scores(step) for step in STEPS},
        "html": HTML,
    }


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("scores")
    return str(logdir), write_logdir(str(logdir))


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_scores_beside_the_masks_in_chromium(scored, tmp_path, load_fast):
    logdir, spec = scored
    run_page_script("e2e_scores.mjs", spec, logdir, load_fast, tmp_path)
