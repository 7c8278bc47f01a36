"""End to end: every kept step reachable, and Lock steps, in the Saliency tab.

Writes two runs whose kept steps differ (run `a` at 0, 10, ..., 90; run `b` at
5, 15, ..., 95), each with a one-image tag (a single view) and a batch of two
images (a grid), every image's colour naming its run and step; starts
`tensorboard` on 127.0.0.1 on each backend and runs `tests/e2e_steps.mjs` in
headless Chromium: a step typed in a card's box shows the kept step nearest it
(the earlier of two as near, the first or last outside them) in the box, the
slider, the step under the picture and the request for the image; with Lock
steps on, a step chosen on one card (box, slider keys, box arrows) moves every
other card, grids too, to its own nearest kept step, cards out of view load
theirs only once scrolled to, a run shown again follows, Lock steps is
remembered across reloads and then holds the latest common step.

    node tests/e2e_steps.mjs ... --shot /tmp/steps  # also writes /tmp/steps-card.png,
    /tmp/steps-side.png and /tmp/steps-dark.png
"""

import os

import numpy as np
import pytest
from helpers.browser_tools import RUSTBOARD_IN_MAKE_TEST, run_page_script

from tensorboard_plugin_saliency.summary import SaliencyWriter

STEPS = {"a": list(range(0, 100, 10)), "b": list(range(5, 100, 10))}
ONE = "val/one"
BATCH = "val/batch"
SIZE = 16


def images(run, step, n):
    """`[n, SIZE, SIZE, 3]` uint8: red names the run, green the step, blue the image."""
    out = np.zeros((n, SIZE, SIZE, 3), np.uint8)
    out[..., 0] = 60 if run == "a" else 180
    out[..., 1] = 2 * step
    for i in range(n):
        out[i, ..., 2] = 40 + 100 * i
    return out


def write_logdir(logdir):
    """Writes the runs; returns the spec the browser script checks against."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / (SIZE - 1.0)
    for run, steps in STEPS.items():
        with SaliencyWriter(os.path.join(logdir, run)) as writer:
            for step in steps:
                for tag, n in ((ONE, 1), (BATCH, 2)):
                    masks = np.stack([xx * (1 + step) + i for i in range(n)])
                    writer.add(
                        tag,
                        images(run, step, n),
                        {"m": masks.astype(np.float32)},
                        step,
                        max_outputs=n,
                    )
    return {"steps": STEPS, "one": ONE, "batch": BATCH}


@pytest.fixture(scope="module")
def stepped(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("steps")
    return str(logdir), write_logdir(str(logdir))


@pytest.mark.parametrize("load_fast", RUSTBOARD_IN_MAKE_TEST)
def test_step_box_and_lock_steps_in_chromium(stepped, tmp_path, load_fast):
    logdir, spec = stepped
    run_page_script("e2e_steps.mjs", spec, logdir, load_fast, tmp_path)
