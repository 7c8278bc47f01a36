"""`tensorboard-saliency table`: a step's per-image table, filtered and sorted, as CSV
that pandas reads back as the values written."""

import numpy as np
import pandas as pd
import pytest

from tensorboard_plugin_saliency import cli, summary

CLASSES = ["cat", "dog", "owl"]
TRUE = [0, 1, 2, 1, 0, 2]
PREDICTED = [0, 2, 2, 1, 1, 0]
LOSS = [0.1, 2.3, 0.4, 0.2, 1.7, 3.1]


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("table"))
    images = np.zeros((3, 8, 8, 3), np.float32)
    with summary.SaliencyWriter(logdir) as writer:
        for part in range(2):  # a step in two parts
            rows = slice(3 * part, 3 * part + 3)
            writer.add(
                "val",
                images,
                {"grad": np.ones((3, 8, 8), np.float32)},
                step=5,
                part="p%d" % part,
                fields={
                    "true": TRUE[rows],
                    "predicted": PREDICTED[rows],
                    "loss": LOSS[rows],
                    "site": ["A, north", 'B "east"', None],
                },
                class_names=CLASSES,
                scores={"grad": {"deletion_auc": [0.1 * (i + 1) for i in range(3)]}},
            )
    return logdir


def _table(logdir, tmp_path, *flags):
    out = tmp_path / "table.csv"
    argv = ["table", "--logdir", logdir, "--run", ".", "--tag", "val", "--out", str(out)]
    assert cli.main(argv + list(flags)) == 0
    return pd.read_csv(out, keep_default_na=False, na_values=[""])


def test_every_image_with_its_fields_and_scores(logdir, tmp_path):
    table = _table(logdir, tmp_path)
    assert list(table.columns) == [
        "id",
        "label",
        "true",
        "true_name",
        "predicted",
        "predicted_name",
        "loss",
        "correct",
        "site",
        "grad/deletion_auc",
    ]
    assert table["id"].tolist() == ["p0:0", "p0:1", "p0:2", "p1:0", "p1:1", "p1:2"]
    assert table["true"].tolist() == TRUE and table["predicted_name"][1] == "owl"
    assert table["correct"].tolist() == [t == p for t, p in zip(TRUE, PREDICTED)]
    assert table["site"][0] == "A, north" and table["site"][1] == 'B "east"'
    assert table["site"].isna()[2]
    np.testing.assert_allclose(table["loss"], LOSS)
    assert table["label"][1] == "true: dog · pred: owl"


def test_filters_and_sort(logdir, tmp_path):
    wrong = _table(logdir, tmp_path, "--wrong", "--sort", "loss", "--descending")
    assert wrong["loss"].tolist() == [3.1, 2.3, 1.7]
    dogs = _table(logdir, tmp_path, "--true", "dog", "--predicted", "1")
    assert dogs["id"].tolist() == ["p1:0"]
    by_score = _table(logdir, tmp_path, "--sort", "grad/deletion_auc", "--text", "OWL")
    # Captions naming an owl: p0:1 (0.2), p0:2 (0.3), p1:2 (0.3); ties keep the step's order.
    assert by_score["id"].tolist() == ["p0:1", "p0:2", "p1:2"]


def test_mistakes_are_one_line_and_exit_2(logdir, capsys):
    base = ["table", "--logdir", logdir, "--run", ".", "--tag", "val"]
    assert cli.main(base + ["--sort", "speed"]) == 2
    assert (
        "sort: no field or score 'speed'; this step has: true, predicted" in capsys.readouterr().err
    )
    assert cli.main(base + ["--true", "bat"]) == 2
    assert "expected a class index or one of cat, dog, owl, got 'bat'" in capsys.readouterr().err
    assert cli.main(base + ["--correct", "--wrong"]) == 2
    assert cli.main(base + ["--step", "9"]) == 2
    assert "no step 9" in capsys.readouterr().err
