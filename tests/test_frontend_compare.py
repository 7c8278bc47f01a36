"""End to end: two masks of one image compared in the single view ("Compare with").

Writes one run with one tag, `val/compare`, at 2 steps: one grey 32x16 image with three
masks of known values: `ramp` (0 at the left edge to 1 at the right), `mirror` (its
mirror image) and `ramp_copy` (equal to `ramp`). Starts `tensorboard` on 127.0.0.1 on
each backend and runs `tests/e2e_compare.mjs` in headless Chromium: a swipe at a known
divider position paints A's colours left of it and B's right (pixel by pixel), the
divider moves with the keys and a drag; flicker alternates, and Space held shows B;
the difference of two equal masks is all the zero colour and of the ramp and its
mirror the expected signed colours, with a colour bar signed around 0; the agreement
of a mask with its copy is 100 %, with its mirror 0 %; the choices survive a step
change and a reload.

    python tests/test_frontend_compare.py LOGDIR  # writes the log directory alone
    node tests/e2e_compare.mjs --url URL --spec SPEC --shot /tmp/compare
    # also writes /tmp/compare-{swipe,flicker,difference}.png
"""

import json
import os
import sys

import numpy as np
import pytest
from helpers.browser_tools import run_page_script

from tensorboard_plugin_saliency.summary import SaliencyWriter

TAG = "val/compare"
STEPS = (0, 1)
W, H = 32, 16
GREY = 0.4


def masks():
    """The three masks, `[H, W]` each: a left-to-right ramp, its mirror, its copy."""
    ramp = np.tile(np.arange(W, dtype=np.float64) / (W - 1), (H, 1))
    return {"ramp": ramp, "mirror": ramp[:, ::-1].copy(), "ramp_copy": ramp.copy()}


def write_logdir(logdir):
    image = np.full((1, H, W, 3), GREY, np.float32)
    with SaliencyWriter(os.path.join(logdir, "run")) as writer:
        for step in STEPS:
            writer.add(TAG, image, {name: m[None] for name, m in masks().items()}, step)
    return {
        "run": "run",
        "tag": TAG,
        "steps": list(STEPS),
        "width": W,
        "height": H,
        "grey": round(GREY * 255),
        "masks": {name: m.tolist() for name, m in masks().items()},
    }


@pytest.fixture(scope="module")
def with_masks(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("compare")
    return str(logdir), write_logdir(str(logdir))


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_compare_two_masks_in_chromium(with_masks, tmp_path, load_fast):
    logdir, spec = with_masks
    run_page_script("e2e_compare.mjs", spec, logdir, load_fast, tmp_path)


if __name__ == "__main__":
    print(json.dumps(write_logdir(sys.argv[1])))
