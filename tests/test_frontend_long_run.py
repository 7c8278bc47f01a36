"""End to end: a tag with 1000 steps in the Saliency tab, every step reachable.

Writes one run with 1000 steps of one small image (its pixels name the step),
starts `tensorboard` on 127.0.0.1 on each backend and runs
`tests/e2e_long_run.mjs` in headless Chromium: the slider spans all 1000 kept
steps, a typed step shows that step's picture, and the filmstrip shows 50 of them,
evenly spaced and said so, fetching only those frames' images and masks. A long run:
`make reliability` runs it, `make test` leaves it out.
"""

import os

import numpy as np
import pytest
from helpers.browser_tools import run_page_script

from tensorboard_plugin_saliency.summary import SaliencyWriter

STEPS = 1000
TAG = "val/long"
SIZE = 8


def image(step):
    """`[1, SIZE, SIZE, 3]` uint8: red is 40 + 40 * (step // 256), green step % 256."""
    out = np.zeros((1, SIZE, SIZE, 3), np.uint8)
    out[..., 0] = 40 + 40 * (step // 256)
    out[..., 1] = step % 256
    out[..., 2] = 90
    return out


def write_logdir(logdir):
    xx = np.mgrid[0:SIZE, 0:SIZE][1] / (SIZE - 1.0)
    with SaliencyWriter(os.path.join(logdir, "long")) as writer:
        for step in range(STEPS):
            mask = (xx * (1 + step))[None].astype(np.float32)
            writer.add(TAG, image(step), {"m": mask}, step)
    return {"run": "long", "tag": TAG, "steps": STEPS}


@pytest.fixture(scope="module")
def long_run(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("long")
    return str(logdir), write_logdir(str(logdir))


@pytest.mark.slow
@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_every_one_of_1000_steps_is_reachable_in_chromium(long_run, tmp_path, load_fast):
    logdir, spec = long_run
    run_page_script("e2e_long_run.mjs", spec, logdir, load_fast, tmp_path)
