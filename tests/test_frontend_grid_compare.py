"""End to end: a card grid's difference column, and its zoom in step across every cell.

Writes two runs, `run` and `other`, each with one tag, `val/grid`, at 2 steps: a batch
of 4 images of 32x32 whose pixel (x, y) of image r is (8x + 4, 8y + 4, 40r + 20), so a
pixel read names its place, with three masks of known values: `ramp` (0 at the left
edge to 1 at the right), `mirror` (its mirror image) and `ramp_copy` (equal to `ramp`).
Starts `tensorboard` on 127.0.0.1 on each backend and runs `tests/e2e_grid_compare.mjs`
in headless Chromium: the difference column of a mask and its copy is all the zero
colour, of the ramp and its mirror the expected signed colours, with a colour bar
signed around 0; a difference cell opens the single view comparing by difference;
the choice survives a step change and a reload; ctrl+wheel zooms every cell of the
grid (both runs' groups under "Compare runs") to 4x about a point, which then shows
the same image pixel in every cell; a drag pans them all; the zoom survives a reload
and Fit restores the whole images; + and 0 on a focused cell zoom and fit, and a
double-click on a zoomed cell fits without opening it.

    python tests/test_frontend_grid_compare.py LOGDIR  # writes the log directory alone
    node tests/e2e_grid_compare.mjs --url URL --spec SPEC
"""

import json
import os
import sys

import numpy as np
import pytest
from helpers.browser_tools import run_page_script

from tensorboard_plugin_saliency.summary import SaliencyWriter

TAG = "val/grid"
RUNS = ("run", "other")
STEPS = (0, 1)
N, W, H = 4, 32, 32


def images():
    """The batch, `[N, H, W, 3]` uint8: pixel (x, y) of image r is (8x + 4, 8y + 4, 40r + 20)."""
    y, x = np.mgrid[0:H, 0:W]
    out = np.zeros((N, H, W, 3), np.uint8)
    for r in range(N):
        out[r] = np.stack([8 * x + 4, 8 * y + 4, np.full_like(x, 40 * r + 20)], -1)
    return out


def masks():
    """The three masks, `[H, W]` each: a left-to-right ramp, its mirror, its copy."""
    ramp = np.tile(np.arange(W, dtype=np.float64) / (W - 1), (H, 1))
    return {"ramp": ramp, "mirror": ramp[:, ::-1].copy(), "ramp_copy": ramp.copy()}


def write_logdir(logdir):
    batch = {name: np.repeat(m[None], N, 0) for name, m in masks().items()}
    for run in RUNS:
        with SaliencyWriter(os.path.join(logdir, run)) as writer:
            for step in STEPS:
                writer.add(TAG, images(), batch, step)
    return {
        "run": RUNS[0],
        "other": RUNS[1],
        "tag": TAG,
        "steps": list(STEPS),
        "samples": N,
        "width": W,
        "height": H,
        "masks": {name: m.tolist() for name, m in masks().items()},
    }


@pytest.fixture(scope="module")
def with_batch(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("grid_compare")
    return str(logdir), write_logdir(str(logdir))


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_grid_difference_and_zoom_in_chromium(with_batch, tmp_path, load_fast):
    logdir, spec = with_batch
    run_page_script("e2e_grid_compare.mjs", spec, logdir, load_fast, tmp_path)


if __name__ == "__main__":
    print(json.dumps(write_logdir(sys.argv[1])))
