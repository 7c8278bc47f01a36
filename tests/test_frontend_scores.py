"""End to end: a mask's scores beside it in the Saliency tab.

Writes one run of 3 steps with a batch of 4 images and 3 masks, two of them with
faithfulness scores (deletion and insertion curves with their random twins, their
AUCs as the curves' trapezoid areas, and one more score, every value different per
image and step), one without, and a mask and a score whose names hold HTML; starts
`tensorboard` on 127.0.0.1 on each backend and runs `tests/e2e_scores.mjs` in
headless Chromium: the grid shows each cell's AUCs and each column's batch means,
the single view the shown image's scores and curves (points where the stored
curves put them) as the image and step change, side by side each mask's panel its
AUCs, a mask without scores shows none, and names show as text.

    node tests/e2e_scores.mjs ... --shot /tmp/scores  # also writes
    /tmp/scores-grid.png and /tmp/scores-single.png (the card in each view)
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
CURVE_STEPS = 5  # curves of CURVE_STEPS + 1 points


def _curves(k, step, falling):
    """One curve per image, every one different: falling (deletion) or rising
    (insertion) from a start that depends on the mask `k`, the image and `step`."""
    x = np.linspace(0, 1, CURVE_STEPS + 1)
    out = []
    for i in range(SAMPLES):
        speed = 1.5 + 0.7 * i + 0.4 * k + 0.3 * step
        fall = np.exp(-speed * x) if falling else 1 - np.exp(-speed * x)
        out.append([round(float(v), 4) for v in 0.05 + 0.9 * fall])
    return out


def _auc(curves):
    """Each curve's trapezoid area over [0, 1] (numpy>=1.24 has no `trapezoid`)."""
    return [round(sum((a + b) / 2 for a, b in zip(c, c[1:])) / CURVE_STEPS, 4) for c in curves]


def scores(step):
    """The scores of the two scored masks at `step`: the first with the whole set
    (and a score named with HTML), the second without the insertion random AUC
    and with `infidelity`."""
    out = {}
    for k, name in enumerate(MASKS[:2]):
        deletion = _curves(k, step, falling=True)
        insertion = _curves(k, step, falling=False)
        rand_del = [
            [round(1 - 0.1 * j - 0.01 * i, 4) for j in range(CURVE_STEPS + 1)]
            for i in range(SAMPLES)
        ]
        rand_ins = [
            [round(0.3 + 0.08 * j + 0.01 * i, 4) for j in range(CURVE_STEPS + 1)]
            for i in range(SAMPLES)
        ]
        named = {
            "deletion_auc": _auc(deletion),
            "deletion_random_auc": _auc(rand_del),
            "insertion_auc": _auc(insertion),
            "insertion_random_auc": _auc(rand_ins),
            "deletion_curve": deletion,
            "deletion_random_curve": rand_del,
            "insertion_curve": insertion,
            "insertion_random_curve": rand_ins,
        }
        if k == 0:
            named[HTML] = [7.0 + i + 10 * step for i in range(SAMPLES)]
        else:
            del named["insertion_random_auc"]
            named["infidelity"] = [0.5 + 0.25 * i for i in range(SAMPLES)]
        out[name] = named
    return out


def write_logdir(logdir):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:16, 0:16] / 15.0
    images = np.stack(
        [np.stack([xx, yy, (xx + yy) / 2 * (i + 1) / SAMPLES], -1) for i in range(SAMPLES)]
    )
    with SaliencyWriter(os.path.join(logdir, "run")) as writer:
        for step in STEPS:
            masks = {name: rng.random((SAMPLES, 16, 16)) for name in MASKS}
            writer.add(
                TAG,
                images.astype(np.float32),
                masks,
                step,
                scores=scores(step),
                max_outputs=SAMPLES,
            )
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
