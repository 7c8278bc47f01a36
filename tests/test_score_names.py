"""The known scores: one list, `frontend/scores.json`, read by the Python package
(`scores.KNOWN`, `scores.DIRECTIONS`) and by the dashboard (pipeline/scores.js,
tested under Node), naming every score of the faithfulness and localisation
modules with its direction, random baseline, curves, group and meaning."""

import json
import os

from tensorboard_plugin_saliency import scores
from tensorboard_plugin_saliency.static_files import static_dir

LOCALISATION = (
    "pointing_game",
    "relevance_mass",
    "relevance_rank",
    "attribution_localisation",
    "top_k_intersection",
    "mass_ratio",
)


def test_directions_name_every_known_score_and_its_random_baseline():
    d = scores.DIRECTIONS
    assert d["deletion_auc"] == d["deletion_random_auc"] == "lower"
    assert d["insertion_auc"] == d["insertion_random_auc"] == "higher"
    for name in LOCALISATION:
        assert d[name] == d[name + "_random"] == "higher"
    assert d["road_morf_auc"] == d["road_morf_random_auc"] == "lower"
    assert d["road_lerf_auc"] == d["road_lerf_random_auc"] == "higher"
    assert d["road_combined"] == "higher"
    assert set(d.values()) == {"higher", "lower"}


def test_known_scores_come_from_the_file_the_dashboard_reads():
    with open(os.path.join(static_dir(), "scores.json"), encoding="utf-8") as f:
        listed = json.load(f)["scores"]
    assert [k["name"] for k in scores.KNOWN] == [k["name"] for k in listed]
    assert [k["name"] for k in scores.KNOWN] == [
        "deletion_auc",
        "insertion_auc",
        *LOCALISATION,
        "road_morf_auc",
        "road_lerf_auc",
        "road_combined",
    ]
    for known in scores.KNOWN:
        group = "localisation" if known["name"] in LOCALISATION else "faithfulness"
        assert known["group"] == group
        assert known["direction"] in ("higher", "lower")
        assert known["label"] and known["short"] and known["meaning"], known["name"]
        assert (known["curve"] is None) == (known["random_curve"] is None)
    curves = {k["curve"] for k in scores.KNOWN} | {k["random_curve"] for k in scores.KNOWN}
    assert curves - {None} == {
        kind + suffix
        for kind in ("deletion", "insertion", "road_morf", "road_lerf")
        for suffix in ("_curve", "_random_curve")
    }
