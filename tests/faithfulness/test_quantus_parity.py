"""Our localisation scores equal Quantus's (0.6.0) on the same maps and regions, per
image and score, within 1e-6.

Quantus pulls TensorFlow < 2.16, Keras 2 and PyTorch < 2 through its extras, so
`.ci/setup test` installs it without its pins, with the little its localisation
metrics import (scikit-learn, OpenCV), into `<venv>/quantus`, which only this test's
subprocess puts on its path, with TensorFlow, PyTorch and Captum hidden from it
(Quantus imports them when it finds them; precomputed maps need none).
`helpers/quantus_localisation.py` names the settings that are the same on both sides.
"""

import json
import math
import os

import numpy as np
import pytest
from vision_env import ROOT, SideEnv

QUANTUS = SideEnv(
    "quantus",
    "Quantus 0.6.0",
    hidden=("tensorflow", "keras", "tf_keras", "torch", "captum", "zennit", "tf_explain"),
)

SCORES = (
    "pointing_game",
    "relevance_mass",
    "relevance_rank",
    "attribution_localisation",
    "top_k_intersection",
)
MAPS = ("positive", "region", "signed_attributions", "small_map")


@pytest.fixture(scope="module")
def answer():
    script = os.path.join(ROOT, "tests", "helpers", "quantus_localisation.py")
    stdout = QUANTUS.run(script=script, timeout=300)
    return json.loads(stdout.strip().splitlines()[-1])


def _close(ours, theirs, where):
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    assert ours.shape == theirs.shape, where
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=where)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6, equal_nan=True, err_msg=where)


@QUANTUS.mark
@pytest.mark.parametrize("kind", MAPS)
def test_scores_equal_quantus(answer, kind):
    ours, theirs = answer[kind]["ours"], answer[kind]["quantus"]
    empty = [i for i, share in enumerate(answer["share"]) if share == 0]
    assert empty, "the batch should hold an empty region"
    for name in SCORES:
        for key in (name, name + "_random"):
            if name == "pointing_game":
                # Quantus 0.6.0 assigns its NaN for an empty region into a bool array,
                # which makes it a hit (1); ours is NaN, as its other scores are.
                assert all(theirs[key][i] == 1.0 for i in empty)
                assert all(math.isnan(ours[key][i]) for i in empty)
                keep = [i for i in range(len(ours[key])) if i not in empty]
                _close([ours[key][i] for i in keep], [theirs[key][i] for i in keep], key)
            else:
                _close(ours[key], theirs[key], f"{kind}: {key}")
    # k as a share of the pixels (0.1 of 320: 32), and Quantus's weighted option of
    # AttributionLocalisation (batches of 3 images, see the helper).
    _close(ours["top_k_share"], theirs["top_k_share"], f"{kind}: top-k, k a share")
    _close(
        ours["attribution_localisation_weighted"],
        theirs["attribution_localisation_weighted"],
        f"{kind}: weighted attribution localisation",
    )
    # Quantus's normalisation changes nothing but for the 1e-9 it adds to the sum.
    _close(
        ours["attribution_localisation"],
        theirs["unnormalised_attribution_localisation"],
        f"{kind}: unnormalised attribution localisation",
    )
    # No score of ours that Quantus lacks: the mass ratio is attribution
    # localisation over the region's share.
    share = np.asarray(answer["share"])
    located = np.asarray(theirs["attribution_localisation"], float)
    with np.errstate(divide="ignore", invalid="ignore"):
        _close(ours["mass_ratio"], np.where(share > 0, located / share, np.nan), "mass ratio")


@QUANTUS.mark
def test_quantus_weighted_pointing_game_fails(answer):
    """Quantus 0.6.0's weighted PointingGame raises; ours is its earlier definition
    (up to 0.5.3): a hit scores 1 - the region's share."""
    for kind in MAPS:
        assert answer[kind]["quantus"]["pointing_game_weighted_error"].startswith("TypeError")
        ours = answer[kind]["ours"]
        weighted = np.asarray(ours["pointing_game_weighted"], float)
        hit = np.asarray(ours["pointing_game"], float)
        np.testing.assert_allclose(weighted, hit * (1 - np.asarray(answer["share"])))
