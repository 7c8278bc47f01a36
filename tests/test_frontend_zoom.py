"""End to end: zoom, pan and the readout in a card's single view.

Writes one run with one tag, `val/zoom`, at one step: one 4096x4096 uint8 image of a
simple pattern (red = x mod 256, green = y mod 256, blue = 16 * (y // 256) + x // 256, so
every pixel's colour names it) with one 256x256 mask `ramp`. Starts `tensorboard` on
127.0.0.1 on each backend and runs `tests/e2e_zoom.mjs` in headless Chromium: a wheel
zooms to 8x about a chosen point, which stays under the pointer; the readout names the
image pixel under it and its colour; the canvas pixel under the pointer has that source
pixel's colour in the composite and in each side-by-side panel; the outline of a box
region near that point lies on the box's edge at the zoom; a drag pans by the
expected number of image pixels; the keys zoom and fit; a double-click and "Fit" fit
again; the zoom survives a reload.

    python tests/test_frontend_zoom.py LOGDIR  # writes the log directory alone
    node tests/e2e_zoom.mjs --url URL --spec SPEC
"""

import json
import os
import sys

import numpy as np
import pytest
from helpers.browser_tools import run_page_script

from tensorboard_plugin_saliency.regions import Regions
from tensorboard_plugin_saliency.summary import SaliencyWriter

TAG = "val/zoom"
SIZE = 4096
MASK = 256
# A box near the point the test zooms to (30 % across, 60 % down): in view at 8x.
BOX = [1215, 2445, 1245, 2470]


def pattern():
    """The image, `[1, SIZE, SIZE, 3]` uint8: each pixel's colour says where it is."""
    x = np.arange(SIZE, dtype=np.uint32)[None, :]
    y = np.arange(SIZE, dtype=np.uint32)[:, None]
    image = np.empty((1, SIZE, SIZE, 3), np.uint8)
    image[0, :, :, 0] = x % 256
    image[0, :, :, 1] = y % 256
    image[0, :, :, 2] = 16 * (y // 256) + x // 256
    return image


def write_logdir(logdir):
    ramp = (np.arange(MASK)[None, :] + np.arange(MASK)[:, None]) / (2.0 * (MASK - 1))
    with SaliencyWriter(os.path.join(logdir, "run")) as writer:
        writer.add(TAG, pattern(), {"ramp": ramp[None]}, 0, regions=Regions(boxes=[[BOX]]))
    return {"run": "run", "tag": TAG, "size": SIZE, "mask": MASK, "box": BOX}


@pytest.fixture(scope="module")
def zoom_log(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("zoom")
    return str(logdir), write_logdir(str(logdir))


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_zoom_pan_and_readout_in_chromium(zoom_log, tmp_path, load_fast):
    logdir, spec = zoom_log
    run_page_script("e2e_zoom.mjs", spec, logdir, load_fast, tmp_path)


if __name__ == "__main__":
    print(json.dumps(write_logdir(sys.argv[1])))
