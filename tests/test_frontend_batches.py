"""End to end: batches, steps and runs side by side in the Saliency tab.

Writes 3 runs x 10 steps of a batch of 16 images with 4 masks (a box per image
whose place moves with the step, zero elsewhere; each image's colours name
its run and index), starts `tensorboard` on 127.0.0.1 on each backend, and runs
`tests/e2e_batches.mjs` in headless Chromium: the grid shows every image and
mask with its label and fetches only the rows in view, a mask value of 0 keeps
the image's colour, a cell opens the single view, the filmstrip has one frame
per kept step, and "Beside step" and "Compare runs" line up image i of every
source on one row. `test_demo.py` runs the same script on the demo's logs.
"""

import os

import numpy as np
import pytest
from helpers.browser_tools import RUSTBOARD_IN_MAKE_TEST, run_page_script

from tensorboard_plugin_saliency.summary import SaliencyWriter

RUNS = ("a", "b", "c")
TAG = "val/saliency"
STEPS = tuple(range(10))
SAMPLES = 16
SIZE = 32
MASKS = ("gradients", "smoothgrad", "integrated_gradients", "grad_cam")


def image(run, sample):
    """`[SIZE, SIZE, 3]` uint8: red names the run, blue the image, green a ramp."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    r = np.full_like(x, 40 + 60 * run)
    g = 30 + 4 * y + x
    b = np.full_like(x, 20 + 13 * sample)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def box(sample, step):
    """(y0, y1, x0, x1): where every mask of `sample` at `step` is non-zero."""
    y0 = 2 + 2 * step
    x0 = 2 + sample % 4 * 7
    return y0, y0 + 8, x0, x0 + 8


def masks(step):
    out = {}
    for k, name in enumerate(MASKS):
        m = np.zeros((SAMPLES, SIZE, SIZE), np.float32)
        for i in range(SAMPLES):
            y0, y1, x0, x1 = box(i, step)
            m[i, y0:y1, x0:x1] = (1 + k) * (1 + step)
        out[name] = m[:, ::4, ::4] if name == "grad_cam" else m
    return out


def label(run, sample):
    return "%s · image %d" % (run, sample + 1)


def write_logdir(logdir):
    """Writes the runs; returns the spec the browser script checks against."""
    for r, run in enumerate(RUNS):
        images = np.stack([image(r, i) for i in range(SAMPLES)])
        with SaliencyWriter(os.path.join(logdir, run)) as writer:
            for step in STEPS:
                writer.add(
                    TAG,
                    images,
                    masks(step),
                    step,
                    labels=[label(run, i) for i in range(SAMPLES)],
                    max_outputs=SAMPLES,
                    walltime=1_700_000_000.0 + step,
                )
    return {
        "runs": list(RUNS),
        "tag": TAG,
        "steps": list(STEPS),
        "samples": SAMPLES,
        "masks": list(MASKS),
        "fullSize": [m for m in MASKS if m != "grad_cam"],
        "labels": {run: [label(run, i) for i in range(SAMPLES)] for run in RUNS},
        "size": SIZE,
        "images": {
            run: [image(r, i).tolist() for i in range(SAMPLES)] for r, run in enumerate(RUNS)
        },
        "boxes": {str(s): [list(box(i, s)) for i in range(SAMPLES)] for s in STEPS},
    }


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("batches")
    return str(logdir), write_logdir(str(logdir))


@pytest.mark.parametrize("load_fast", RUSTBOARD_IN_MAKE_TEST)
def test_batches_steps_and_runs_in_chromium(batches, tmp_path, load_fast):
    logdir, spec = batches
    run_page_script("e2e_batches.mjs", spec, logdir, load_fast, tmp_path)
