"""End to end: ground-truth regions as outlines, and the localisation and ROAD scores,
in the Saliency tab.

Writes one run with two tags: `val/objects`, 2 steps of 6 images (24x16) with two
masks, binary region masks on some images, boxes (one with a class, one without) on
others, one image without a region, the true classes with their names, and for one
mask the localisation scores (pointing game with None where an image has no region,
relevance mass, mass ratio, each with its random baseline) and ROAD (both AUCs, the
combined score, both curves and their random twins); and `val/classes`, a label map
of two classes side by side per image, the explained class differing by image. Starts
`tensorboard` on 127.0.0.1 on each backend and runs `tests/e2e_regions.mjs` in
headless Chromium: the outlines are drawn at the right pixels over every cell of the
grid, the single view's composite, each side-by-side panel and each filmstrip frame
(the explained class's region opaque, another class's fainter); the toggle, the R
key and the colour redraw only the outlines; the localisation and ROAD scores are on
the card, in the grid's cells and under its columns, the ROAD curves in the chart;
sorting the grid by pointing game puts its rows in that order.

    python tests/test_frontend_regions.py LOGDIR  # writes the log directory alone
    node tests/e2e_regions.mjs --url URL --spec SPEC --shot /tmp/i30/regions
    # also writes /tmp/i30/regions-{grid,single,labels}.png
"""

import json
import os
import sys

import numpy as np
import pytest
from helpers.browser_tools import run_page_script

from tensorboard_plugin_saliency.summary import SaliencyWriter

OBJECTS = "val/objects"
CLASSES = "val/classes"
STEPS = (0, 1)
W, H = 24, 16
SAMPLES = 6
MASKS = ("integrated_gradients", "grad_cam")
CLASS_NAMES = ["circle", "square", "<b>triangle</b>"]
TRUE = [0, 1, 1, 2, 0, 1]
POINTING = [1.0, 0.0, None, 1.0, 0.0, 1.0]


def _rect(y0, y1, x0, x1):
    m = np.zeros((H, W), bool)
    m[y0:y1, x0:x1] = True
    return m


def object_masks():
    """Per image its binary region mask, or None."""
    l_shape = _rect(2, 12, 2, 6) | _rect(8, 12, 2, 14)
    return [
        _rect(3, 9, 4, 12),
        l_shape,
        None,
        _rect(0, 5, 18, 24),  # touches the image's edges
        _rect(6, 10, 8, 16),
        None,
    ]


def object_boxes():
    """Per image its boxes `(x0, y0, x1, y1)` and their classes, or None."""
    return (
        [None, None, [[2, 2, 10, 8], [12, 4, 22, 14]], None, [[1, 1, 23, 15]], None],
        [None, None, [1, 2], None, None, None],
    )


def object_scores(step):
    """The first mask's localisation and ROAD scores at `step` (None: no region)."""
    x = np.linspace(0, 1, 5)

    def curve(i, fall):
        falling = np.exp(-(1.0 + 0.5 * i + 0.3 * step) * x)
        return [round(float(v), 4) for v in (falling if fall else 1 - falling)]

    has = [p is not None for p in POINTING]

    def value(base):
        return [round(base + 0.05 * i + 0.1 * step, 4) if has[i] else None for i in range(SAMPLES)]

    return {
        "pointing_game": POINTING,
        "pointing_game_random": [0.19 if h else None for h in has],
        "relevance_mass": value(0.4),
        "relevance_mass_random": value(0.1),
        "mass_ratio": value(2.0),
        "mass_ratio_random": value(1.0),
        "road_morf_auc": [round(0.3 + 0.01 * i + 0.01 * step, 4) for i in range(SAMPLES)],
        "road_morf_random_auc": [0.5] * SAMPLES,
        "road_lerf_auc": [round(0.7 - 0.01 * i, 4) for i in range(SAMPLES)],
        "road_lerf_random_auc": [0.6] * SAMPLES,
        "road_combined": [round(0.2 + 0.01 * i, 4) for i in range(SAMPLES)],
        "road_morf_curve": [curve(i, True) for i in range(SAMPLES)],
        "road_morf_random_curve": [[1.0, 0.8, 0.6, 0.4, 0.2]] * SAMPLES,
        "road_lerf_curve": [curve(i, False) for i in range(SAMPLES)],
        "road_lerf_random_curve": [[0.1, 0.3, 0.5, 0.7, 0.9]] * SAMPLES,
    }


def label_maps():
    """Two images of two classes side by side (-1: no class)."""
    out = np.full((2, 16, 16), -1, np.int64)
    out[:, 3:13, 2:8] = 0
    out[:, 3:13, 8:14] = 1
    return out


def _images(n, h, w, seed):
    yy, xx = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(seed)
    base = np.stack([xx / (w - 1), yy / (h - 1), 0.5 + 0 * xx], -1) * 0.6 + 0.2
    return np.stack([base * (0.7 + 0.3 * rng.random()) for _ in range(n)]).astype(np.float32)


def write_logdir(logdir):
    rng = np.random.default_rng(3)
    boxes, box_labels = object_boxes()
    with SaliencyWriter(os.path.join(logdir, "run")) as writer:
        for step in STEPS:
            masks = {name: rng.random((SAMPLES, H, W)) for name in MASKS}
            writer.add(
                OBJECTS,
                _images(SAMPLES, H, W, step),
                masks,
                step,
                fields={"true": TRUE},
                class_names=CLASS_NAMES,
                scores={MASKS[0]: object_scores(step)},
                regions={"masks": object_masks(), "boxes": boxes, "box_labels": box_labels},
            )
            writer.add(
                CLASSES,
                _images(2, 16, 16, 10 + step),
                {"grad_cam": rng.random((2, 16, 16))},
                step,
                fields={"true": [1, 0]},
                class_names=["left", "right"],
                regions={"label_maps": label_maps()},
            )
    return {
        "run": "run",
        "objects": OBJECTS,
        "classes": CLASSES,
        "steps": list(STEPS),
        "samples": SAMPLES,
        "width": W,
        "height": H,
        "masks": list(MASKS),
        "classNames": CLASS_NAMES,
        "true": TRUE,
        "regionMasks": [None if m is None else m.astype(int).tolist() for m in object_masks()],
        "boxes": boxes,
        "boxLabels": box_labels,
        "labelMap": label_maps()[0].tolist(),
        "labelTrue": [1, 0],
        "scores": {str(step): object_scores(step) for step in STEPS},
    }


@pytest.fixture(scope="module")
def with_regions(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("regions")
    return str(logdir), write_logdir(str(logdir))


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_regions_and_localisation_scores_in_chromium(with_regions, tmp_path, load_fast):
    logdir, spec = with_regions
    run_page_script("e2e_regions.mjs", spec, logdir, load_fast, tmp_path)


if __name__ == "__main__":
    print(json.dumps(write_logdir(sys.argv[1])))
