"""End to end: the Saliency tab in headless Chromium against a real `tensorboard`.

Writes a log directory with `SaliencyWriter` (synthetic images with known mask
boxes), starts `tensorboard` on 127.0.0.1 on each backend (`--load_fast=false`:
the Python multiplexer; `--load_fast=true`: RustBoard), and runs
`tests/e2e_dashboard.mjs` (Node + npm `playwright-core` + Debian `chromium`),
which drives TensorBoard's own page and checks the canvas pixels, controls,
hover readout and that a run/tag named like HTML shows as text and runs nothing,
and that the page's overlay equals the PNG of the plugin's `/render` route with
the same options (clip mode percentile and mass). The python-backend run saves
a screenshot in its temporary directory (the README's pictures come from the
demo's logs: `make screenshot`, tools/screenshots.mjs).
"""

import json
import os
import subprocess

import numpy as np
import pytest
from helpers.browser_tools import tools_missing
from helpers.tb_process import tensorboard_process

from tensorboard_plugin_saliency.summary import SaliencyWriter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "tests", "e2e_dashboard.mjs")

WIDTH, HEIGHT = 64, 48
STEPS = (0, 1, 2)
SAMPLES = 2
QUOTED = 'say "hi"'
BATCH_SAMPLES = 4  # the batch card shown as a grid: 4 images x 2 masks
XSS = "<img src=x onerror=alert(1)>"
RENDER_OPTIONS = os.path.join(ROOT, "frontend", "render_options.json")


def image(sample):
    """A smooth RGB gradient, different per sample: `[H, W, 3]` uint8."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    r = 40 + 3 * x
    g = 30 + 4 * y
    b = np.full_like(x, 90 + 60 * sample)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def grad_box(sample, step):
    """(y0, y1, x0, x1) of the box where mask `grad` is high; zero elsewhere."""
    return 8 + 4 * step, 20 + 4 * step, 8 + 24 * sample, 24 + 24 * sample


def grad_value(step):
    return 0.75 + 0.25 * step


NEG_BOX = (32, 44, 40, 56)  # where mask `ig` is negative (it is positive in the grad box)


def masks(step):
    grad = np.zeros((SAMPLES, HEIGHT, WIDTH), np.float32)
    ig = np.zeros((SAMPLES, HEIGHT, WIDTH), np.float32)
    for i in range(SAMPLES):
        y0, y1, x0, x1 = grad_box(i, step)
        grad[i, y0:y1, x0:x1] = grad_value(step)
        ig[i, y0:y1, x0:x1] = 0.5
        ny0, ny1, nx0, nx1 = NEG_BOX
        ig[i, ny0:ny1, nx0:nx1] = -0.5
    return {"grad": grad, "ig": ig}


def ring_example(step, size=96):
    """A nicer-looking example: coloured rings, a smooth
    SmoothGrad-like mask on the ring and a 12x12 Grad-CAM-like mask."""
    rng = np.random.default_rng(step)
    y, x = np.mgrid[0:size, 0:size] / (size - 1.0)
    images, smooth, cam = [], [], []
    for cy, cx in [(0.45, 0.55), (0.6, 0.4)]:
        r = np.hypot(y - cy, x - cx)
        ring = np.exp(-(((r - 0.22) / 0.05) ** 2))
        rgb = np.stack([0.25 + 0.6 * ring, 0.3 + 0.35 * (1 - x), 0.45 + 0.4 * y * (1 - ring)], -1)
        images.append((np.clip(rgb, 0, 1) * 255).astype(np.uint8))
        focus = 0.4 + 0.3 * step
        s = ring * np.exp(-((y - cy + 0.1) ** 2 + (x - cx - 0.1) ** 2) / (0.08 * focus))
        s = s * (1 + 0.25 * rng.standard_normal(s.shape))
        s[s < 0.03 * s.max()] = 0.0
        smooth.append((s * 1e-3).astype(np.float32))
        g = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / 0.04)[::8, ::8]
        cam.append(g.astype(np.float32))
    return np.stack(images), {"smoothgrad": np.stack(smooth), "gradcam": np.stack(cam)}


def write_dashboard_logdir(logdir):
    """Writes the log directory; returns what the browser script needs to know."""
    images = np.stack([image(i) for i in range(SAMPLES)])
    with SaliencyWriter(os.path.join(logdir, "train")) as writer:
        for step in STEPS:
            writer.add(
                "saliency/cls",
                images,
                masks(step),
                step,
                labels=["true: ring · pred: ring %d" % i for i in range(SAMPLES)],
                description="Gradients and **integrated gradients**",
                max_outputs=SAMPLES,
                walltime=1_700_000_000.0 + step,
            )
    with SaliencyWriter(os.path.join(logdir, "demo")) as writer:
        for step in STEPS:
            rings, demo_masks = ring_example(step)
            writer.add(
                "rings/val",
                rings,
                demo_masks,
                step,
                labels=[
                    "true: ring · pred: ring 0.%d" % (91 + step),
                    "true: disc · pred: ring 0.58",
                ],
                description="SmoothGrad and Grad-CAM on a ring detector",
                walltime=1_700_000_100.0 + step,
            )
    with SaliencyWriter(os.path.join(logdir, XSS)) as writer:
        writer.add(
            XSS,
            images[:1],
            {"grad": masks(0)["grad"][:1]},
            0,
            labels=[XSS],
            walltime=1_700_000_000.0,
        )
    # RustBoard lists a tag named with a double quote but cannot read it: /tags
    # says why in "error" and the card shows that text (the Python backend reads it).
    with SaliencyWriter(os.path.join(logdir, "quoted")) as writer:
        writer.add(QUOTED, images[:1], {"grad": masks(0)["grad"][:1]}, 0, walltime=1_700_000_000.0)
    batch_labels = ["batch image %d" % i for i in range(BATCH_SAMPLES)]
    with SaliencyWriter(os.path.join(logdir, "batch")) as writer:
        batch_masks = {n: np.repeat(m[:1], BATCH_SAMPLES, axis=0) for n, m in masks(0).items()}
        writer.add(
            "batch/grid",
            np.stack([image(i % SAMPLES) for i in range(BATCH_SAMPLES)]),
            batch_masks,
            0,
            labels=batch_labels,
            max_outputs=BATCH_SAMPLES,
            walltime=1_700_000_000.0,
        )
    return {
        "batch": {
            "run": "batch",
            "tag": "batch/grid",
            "labels": batch_labels,
            "masks": sorted(batch_masks),
        },
        "width": WIDTH,
        "height": HEIGHT,
        "steps": list(STEPS),
        "samples": SAMPLES,
        "images": [image(i).tolist() for i in range(SAMPLES)],
        "gradBoxes": {str(s): [list(grad_box(i, s)) for i in range(SAMPLES)] for s in STEPS},
        "gradValues": {str(s): grad_value(s) for s in STEPS},
        "negBox": list(NEG_BOX),
        "xss": XSS,
        "quoted": {"run": "quoted", "tag": QUOTED},
        # The card whose overlay is compared with /render: smooth masks, where
        # the percentile and the cumulative-mass clip points differ.
        "rings": {
            "run": "demo",
            "tag": "rings/val",
            "step": STEPS[-1],
            "masks": ["smoothgrad", "gradcam"],
            "clip": 95,
            "clipModes": _render_choices("clip_mode"),
        },
    }


def _render_choices(option):
    with open(RENDER_OPTIONS, encoding="utf-8") as f:
        return json.load(f)["options"][option]["choices"]


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_dashboard_in_chromium(tmp_path, load_fast):
    missing = tools_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    logdir = tmp_path / "logs"
    expected = write_dashboard_logdir(str(logdir))
    spec = tmp_path / "expected.json"
    spec.write_text(json.dumps(expected))
    args = ["node", SCRIPT, "--spec", str(spec)]
    if load_fast == "false":
        args += ["--screenshot", str(tmp_path / "screenshot.png")]  # tests write no tracked file
    with tensorboard_process(logdir, load_fast=load_fast) as base_url:
        result = subprocess.run(
            args + ["--url", base_url], cwd=ROOT, capture_output=True, text=True, timeout=240
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "FAIL" not in result.stdout, output
