"""End to end: a card's filmstrip showing each step against the one before.

Writes one run with one tag, `val/film`, at steps 100, 200 and 300: one grey 16x8
image with one mask, `grad`, constant 0.2, then 0.5, then 0.5. Starts `tensorboard`
on 127.0.0.1 on each backend and runs `tests/e2e_filmstrip_compare.mjs` in headless
Chromium: with the filmstrip on and "Frames: difference from the previous step"
chosen, the first frame is the plain mask (the reference), the second every pixel the
positive colour of 0.3 under the clip pooled over the three masks, the third all the
zero colour (the image shows through), with captions "step 200 − step 100" and a
signed colour bar; the choice survives a step change and a reload.

    python tests/test_frontend_filmstrip_compare.py LOGDIR  # writes the log directory alone
    node tests/e2e_filmstrip_compare.mjs --url URL --spec SPEC
"""

import json
import os
import sys

import numpy as np
import pytest
from helpers.browser_tools import run_page_script

from tensorboard_plugin_saliency.summary import SaliencyWriter

TAG = "val/film"
VALUES = {100: 0.2, 200: 0.5, 300: 0.5}
W, H = 16, 8
GREY = 0.4


def write_logdir(logdir):
    image = np.full((1, H, W, 3), GREY, np.float32)
    with SaliencyWriter(os.path.join(logdir, "run")) as writer:
        for step, value in VALUES.items():
            writer.add(TAG, image, {"grad": np.full((1, H, W), value, np.float32)}, step)
    return {
        "run": "run",
        "tag": TAG,
        "steps": list(VALUES),
        "values": list(VALUES.values()),
        "width": W,
        "height": H,
    }


@pytest.fixture(scope="module")
def film_logdir(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("filmstrip_compare")
    return str(logdir), write_logdir(str(logdir))


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_filmstrip_difference_in_chromium(film_logdir, tmp_path, load_fast):
    logdir, spec = film_logdir
    run_page_script("e2e_filmstrip_compare.mjs", spec, logdir, load_fast, tmp_path)


if __name__ == "__main__":
    print(json.dumps(write_logdir(sys.argv[1])))
