"""End to end: two masks compared in the single view ("Compare with").

Writes run `run` with one tag, `val/compare`, at 2 steps: one grey 32x16 image (id
`img-a`) with four masks of known values: `ramp` (0 at the left edge to 1 at the right),
`mirror` (its mirror image), `ramp_copy` (equal to `ramp`) and `grow` (a fifth of `ramp`
at step 0, `ramp` at step 1). Run `other` has the same tag with two images, `img-b` then
`img-a`, whose `ramp` is `run`'s `mirror` for `img-a` and a constant for `img-b`. Starts
`tensorboard` on 127.0.0.1 on each backend and runs `tests/e2e_compare.mjs` in headless
Chromium: a swipe at a known divider position paints A's colours left of it and B's
right (pixel by pixel), the divider moves with the keys and a drag; flicker alternates,
and Space held shows B; the difference of two equal masks is all the zero colour and of
the ramp and its mirror the expected signed colours, with a colour bar signed around 0;
the agreement of a mask with its copy is 100 %, with its mirror 0 %; the choices survive
a step change and a reload. B from another step (`grow` at step 0) and from the other
run (`img-a`'s `ramp` there, found by its id, not its position) give the expected
differences, and "the step before" the first step says there is none.

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
    m = masks()
    with SaliencyWriter(os.path.join(logdir, "run")) as writer:
        for step in STEPS:
            grow = m["ramp"] * (0.2 if step == STEPS[0] else 1.0)
            batch = {name: v[None] for name, v in m.items()}
            writer.add(TAG, image, {**batch, "grow": grow[None]}, step, ids=["img-a"])
    # The other run: img-a second, its ramp the mirror; img-b first, a constant.
    constant = np.full((H, W), 0.5)
    with SaliencyWriter(os.path.join(logdir, "other")) as writer:
        for step in STEPS:
            two = {
                "ramp": np.stack([constant, m["mirror"]]),
                "mirror": np.stack([constant, m["ramp"]]),
                "ramp_copy": np.stack([constant, m["ramp"]]),
                "grow": np.stack([constant, m["ramp"]]),
            }
            writer.add(TAG, np.repeat(image, 2, axis=0), two, step, ids=["img-b", "img-a"])
    return {
        "run": "run",
        "other": "other",
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
