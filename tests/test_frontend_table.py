"""End to end: the grid of a whole validation set, sorted, filtered, grouped and
exported, in the Saliency tab.

Writes two runs of one step of 300 images each (more than the grid lays out at
once, so it is windowed), 8x8 pixels whose colour names the image, with typed
fields (true and predicted classes of three, confidence, loss, correct, a site
string), image ids, class names and a score per image; run `b` holds the same
images (same ids and pixels) in a shuffled order, written in two parts. Run `a` also has a tag of
three images written without fields (an old step). Starts `tensorboard` on
127.0.0.1 on each backend and runs `tests/e2e_table.mjs` in headless Chromium:
the summary bar (images, shown, accuracy, confusion matrix), sort, the wrong-rows
filter, group by true class, a confusion-matrix cell filtering to its pair, the
view reproduced by reloading its URL, the CSV export equal to the rows shown,
the compared run lined up by image id (with each run's batch mean under its
column title), the windowing (few row elements, rows
loaded only in view), and the step without fields shown as before.

    node tests/e2e_table.mjs ... --shot /tmp/table  # also writes /tmp/table-grid.png
"""

import os

import numpy as np
import pytest
from helpers.browser_tools import run_page_script

from tensorboard_plugin_saliency.summary import SaliencyWriter

TAG = "val/shapes"
OLD_TAG = "val/old"
STEP = 10
SAMPLES = 300
SIZE = 8
CLASSES = ["circle", "square", "triangle"]
SITES = ["north", "south, east", 'the "west"']


def colour(k):
    """The RGB colour of image `k`: it names the image."""
    return [k % 251, 20 + 40 * (k // 251), 200]


def dataset():
    """The images' fields, in run `a`'s order; returns plain lists (the spec)."""
    rng = np.random.default_rng(27)
    true = rng.integers(0, 3, SAMPLES)
    wrong = rng.random(SAMPLES) < 0.3
    predicted = np.where(wrong, (true + rng.integers(1, 3, SAMPLES)) % 3, true)
    loss = np.round(rng.random(SAMPLES) * 3, 4)
    confidence = np.round(rng.random(SAMPLES), 4)
    return {
        "ids": ["img-%03d" % k for k in range(SAMPLES)],
        "true": [int(t) for t in true],
        "predicted": [int(p) for p in predicted],
        "correct": [bool(t == p) for t, p in zip(true, predicted)],
        "loss": [float(v) for v in loss],
        "confidence": [float(v) for v in confidence],
        "site": [SITES[k % 3] for k in range(SAMPLES)],
        "auc": [round(float(v), 4) for v in rng.random(SAMPLES)],
    }


def write_run(logdir, run, data, order):
    """Writes run `run` with the images of `data` in `order`."""
    images = np.zeros((SAMPLES, SIZE, SIZE, 3), np.uint8)
    for row, k in enumerate(order):
        images[row] = colour(k)
    yy, xx = np.mgrid[0:4, 0:4]
    masks = np.stack([(xx + yy + k % 5).astype(np.float32) for k in order])
    pick = lambda name: [data[name][k] for k in order]  # noqa: E731
    fields = {
        name: pick(name) for name in ("true", "predicted", "confidence", "loss", "correct", "site")
    }
    # Run b in two parts: its /sample answers leave the batch means to its table.
    half = SAMPLES // 2
    halves = [slice(0, SAMPLES)] if run == "a" else [slice(0, half), slice(half, None)]
    with SaliencyWriter(os.path.join(logdir, run)) as writer:
        for number, rows in enumerate(halves):
            writer.add(
                TAG,
                images[rows],
                {"m": masks[rows]},
                STEP,
                fields={name: values[rows] for name, values in fields.items()},
                class_names=CLASSES,
                ids=pick("ids")[rows],
                scores={"m": {"deletion_auc": pick("auc")[rows]}},
                part="half%d" % number,
            )
        if run == "a":
            writer.add(OLD_TAG, images[:3], {"m": masks[:3]}, STEP, labels=["one", "two", "three"])


def write_logdir(logdir):
    """Writes both runs; returns the spec the browser script checks against."""
    data = dataset()
    order_b = [int(k) for k in np.random.default_rng(5).permutation(SAMPLES)]
    write_run(logdir, "a", data, list(range(SAMPLES)))
    write_run(logdir, "b", data, order_b)
    colours = [colour(k) for k in range(SAMPLES)]
    return {
        "tag": TAG,
        "old": OLD_TAG,
        "step": STEP,
        "classes": CLASSES,
        "orderB": order_b,
        "colours": colours,
        **data,
    }


@pytest.fixture(scope="module")
def validation_set(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("table")
    return str(logdir), write_logdir(str(logdir))


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_grid_sort_filter_group_export_in_chromium(validation_set, tmp_path, load_fast):
    logdir, spec = validation_set
    run_page_script("e2e_table.mjs", spec, logdir, load_fast, tmp_path)
    # The CSV the page exported (the wrong rows, by loss descending), as pandas reads it.
    pd = pytest.importorskip("pandas")
    table = pd.read_csv(tmp_path / ("spec-%s.json.csv" % load_fast))
    wrong = sorted(
        (k for k in range(SAMPLES) if not spec["correct"][k]), key=lambda k: (-spec["loss"][k], k)
    )
    assert list(table.columns) == [
        "id",
        "label",
        "true",
        "true_name",
        "predicted",
        "predicted_name",
        "confidence",
        "loss",
        "correct",
        "site",
        "m/deletion_auc",
    ]
    assert list(table["id"]) == [spec["ids"][k] for k in wrong]
    assert list(table["site"]) == [spec["site"][k] for k in wrong]
    assert list(table["loss"]) == [spec["loss"][k] for k in wrong]
    assert list(table["predicted"]) == [spec["predicted"][k] for k in wrong]
    assert list(table["true_name"]) == [CLASSES[spec["true"][k]] for k in wrong]
    assert table["correct"].dtype == bool and not table["correct"].any()
