"""Localisation scores (`faithfulness.localisation`): their extremes, chance, ties,
the pointing game's tolerance, masks with channels or smaller than the regions, and
their arguments. Equality with Quantus 0.6.0 is test_quantus_parity.py's."""

import numpy as np
import pytest

from tensorboard_plugin_saliency import faithfulness
from tensorboard_plugin_saliency.faithfulness.localisation import NAMES
from tensorboard_plugin_saliency.methods import resize

H, W = 18, 24


def boxes(n, rng, low=3, high=12):
    """Random boxes, one per image, each strictly inside the image."""
    regions = np.zeros((n, H, W), bool)
    for region in regions:
        y0, x0 = rng.integers(0, H - low), rng.integers(0, W - low)
        region[y0 : y0 + rng.integers(low, high), x0 : x0 + rng.integers(low, high)] = True
    return regions


def reference(a, region, k):
    """One image, as Quantus describes the scores, on a map without ties."""
    a, s = a.ravel().astype(np.float64), region.ravel()
    order = np.argsort(-a, kind="stable")
    size = s.sum()
    located = np.abs(a)[s].sum() / np.abs(a).sum()
    return {
        "pointing_game": float(s[np.argmax(a)]),
        "relevance_mass": a[s].sum() / a.sum(),
        "relevance_rank": s[order[:size]].mean(),
        "attribution_localisation": located,
        "top_k_intersection": s[order[:k]].mean(),
        "mass_ratio": located / (size / s.size),
    }


def test_scores_equal_a_direct_loop():
    rng = np.random.default_rng(0)
    regions = boxes(6, rng)
    maps = (rng.standard_normal((6, H, W)) + 2 * regions).astype(np.float32)
    scores = faithfulness.localisation(maps, regions, k=40, random_baseline=False)
    assert set(scores) == set(NAMES)
    for i in range(6):
        expected = reference(maps[i], regions[i], 40)
        for name in NAMES:
            assert scores[name].dtype == np.float64 and scores[name].shape == (6,)
            assert scores[name][i] == pytest.approx(expected[name], abs=1e-9), name


def test_the_region_scores_the_most_its_complement_the_least():
    rng = np.random.default_rng(1)
    regions = boxes(8, rng, low=5)  # at least 25 pixels: k=20 fits in every region
    share = regions.mean(axis=(1, 2))
    best = faithfulness.localisation(regions.astype(np.float32), regions, k=20)
    worst = faithfulness.localisation((~regions).astype(np.float32), regions, k=20)
    for name in NAMES:
        if name != "mass_ratio":
            np.testing.assert_array_equal(best[name], 1.0, err_msg=name)
        np.testing.assert_array_equal(worst[name], 0.0, err_msg=name)
    np.testing.assert_allclose(best["mass_ratio"], 1 / share)
    # Any other map scores between the two.
    maps = rng.random((8, H, W)).astype(np.float32)
    other = faithfulness.localisation(maps, regions, k=20, random_baseline=False)
    for name in NAMES:
        assert np.all(other[name] <= best[name]) and np.all(other[name] >= worst[name]), name


def test_a_random_map_scores_near_the_regions_share():
    rng = np.random.default_rng(2)
    n = 200
    regions = boxes(n, rng, low=4, high=16)
    share = regions.mean(axis=(1, 2))
    maps = rng.random((n, H, W)).astype(np.float32)
    scores = faithfulness.localisation(maps, regions, k=0.2)
    for suffix in ("", "_random"):
        for name in ("relevance_mass", "relevance_rank", "attribution_localisation"):
            assert abs((scores[name + suffix] - share).mean()) < 0.01, name + suffix
        assert abs((scores["top_k_intersection" + suffix] - share).mean()) < 0.02
        assert abs(scores["pointing_game" + suffix].mean() - share.mean()) < 0.06
        assert abs(scores["mass_ratio" + suffix].mean() - 1) < 0.03
    # The baseline is the seeded uniform map: another seed, other numbers.
    again = faithfulness.localisation(maps, regions, k=0.2)
    other = faithfulness.localisation(maps, regions, k=0.2, seed=1)
    np.testing.assert_array_equal(again["relevance_rank_random"], scores["relevance_rank_random"])
    assert not np.array_equal(other["relevance_rank_random"], scores["relevance_rank_random"])
    np.testing.assert_array_equal(other["relevance_rank"], scores["relevance_rank"])


def test_pointing_game_tolerance_is_a_euclidean_radius():
    regions = np.zeros((1, H, W), bool)
    regions[0, 2:5, 3:6] = True
    peak = np.zeros((1, H, W), np.float32)
    peak[0, 4 + 3, 5 + 4] = 1.0  # 3 rows and 4 columns from the corner (4, 5): 5 pixels
    hit = {
        tolerance: faithfulness.localisation(peak, regions, tolerance=tolerance)["pointing_game"][0]
        for tolerance in (0, 3, 4.99, 5, 5.5, 20)
    }
    assert hit == {0: 0.0, 3: 0.0, 4.99: 0.0, 5: 1.0, 5.5: 1.0, 20: 1.0}
    # One row: the radius reaches along it alone.
    row = np.zeros((1, 1, 10), bool)
    row[0, 0, 2] = True
    peak = np.zeros((1, 1, 10), np.float32)
    peak[0, 0, 5] = 1.0
    hit = {
        tolerance: faithfulness.localisation(peak, row, tolerance=tolerance)["pointing_game"][0]
        for tolerance in (2.9, 3, 100)
    }
    assert hit == {2.9: 0.0, 3: 1.0, 100: 1.0}


def test_tolerance_equals_a_brute_force_distance():
    rng = np.random.default_rng(3)
    regions = rng.random((12, H, W)) < 0.01
    regions[0] = False
    regions[0, 0, 0] = True  # a corner
    maps = rng.random((12, H, W)).astype(np.float32)
    ys, xs = np.mgrid[:H, :W]
    for tolerance in (0, 1, 1.5, 2.9, 4, 7.2):
        scores = faithfulness.localisation(maps, regions, tolerance=tolerance)
        for i in range(12):
            if not regions[i].any():
                assert np.isnan(scores["pointing_game"][i])
                continue
            y, x = np.unravel_index(np.argmax(maps[i]), (H, W))
            distance = np.sqrt((ys[regions[i]] - y) ** 2 + (xs[regions[i]] - x) ** 2).min()
            assert scores["pointing_game"][i] == float(distance <= tolerance), (tolerance, i)


def test_ties():
    """Tied maxima: any one in the region is a hit (Quantus). Pixels tied at the cut
    of rank and top-k count in proportion. A map without mass scores 0 mass."""
    regions = np.zeros((1, H, W), bool)
    regions[0, :6, :8] = True  # 48 of 432 pixels
    flat = np.ones((1, H, W), np.float32)
    scores = faithfulness.localisation(flat, regions, k=10, random_baseline=False)
    assert scores["pointing_game"][0] == 1.0
    assert scores["relevance_rank"][0] == pytest.approx(48 / 432)
    assert scores["top_k_intersection"][0] == pytest.approx(48 / 432)
    # 20 pixels of value 2 (5 in the region), the rest 1: rank's cut (48) lies in
    # the ones, with 28 places for the 412 tied pixels, 43 of them in the region.
    two = flat.copy()
    two[0, 3, 4:9] = 2  # 4 of 5 in the region
    two[0, 10, :14] = 2
    two[0, 4, 7] = 2  # the 20th: in the region
    scores = faithfulness.localisation(two, regions, k=10, random_baseline=False)
    assert scores["relevance_rank"][0] == pytest.approx((5 + 28 * 43 / 412) / 48)
    assert scores["top_k_intersection"][0] == pytest.approx(10 * 5 / 20 / 10)
    zero = faithfulness.localisation(np.zeros((1, H, W)), regions, random_baseline=False)
    for name in ("relevance_mass", "attribution_localisation", "mass_ratio"):
        assert zero[name][0] == 0.0


def test_empty_or_whole_regions_score_nan():
    rng = np.random.default_rng(4)
    regions = boxes(3, rng)
    regions[0] = False
    regions[2] = True
    scores = faithfulness.localisation(rng.random((3, H, W)), regions, tolerance=3)
    assert set(scores) == set(NAMES) | {name + "_random" for name in NAMES}
    for name, value in scores.items():
        assert np.isnan(value[0]) and np.isnan(value[2]) and np.isfinite(value[1]), name


def test_weighted():
    rng = np.random.default_rng(5)
    regions = boxes(5, rng)
    share = regions.mean(axis=(1, 2))
    maps = rng.random((5, H, W)) + regions
    plain = faithfulness.localisation(maps, regions, random_baseline=False)
    weighted = faithfulness.localisation(maps, regions, weighted=True, random_baseline=False)
    np.testing.assert_allclose(weighted["pointing_game"], plain["pointing_game"] * (1 - share))
    np.testing.assert_allclose(
        weighted["attribution_localisation"], plain["attribution_localisation"] * share
    )
    for name in ("relevance_mass", "relevance_rank", "top_k_intersection", "mass_ratio"):
        np.testing.assert_array_equal(weighted[name], plain[name])


def test_signed_maps():
    """Relevance mass keeps the signs (Quantus's abs=False), attribution localisation
    and the mass ratio take |values| (AttributionLocalisation's abs=True)."""
    regions = np.zeros((1, H, W), bool)
    regions[0, :9] = True  # half the image
    maps = np.where(regions, 3.0, -1.0)
    scores = faithfulness.localisation(maps, regions, random_baseline=False)
    assert scores["relevance_mass"][0] == pytest.approx(3 / 2)
    assert scores["attribution_localisation"][0] == pytest.approx(3 / 4)
    assert scores["mass_ratio"][0] == pytest.approx(3 / 2)


def test_attributions_with_channels_and_small_maps():
    rng = np.random.default_rng(6)
    regions = boxes(4, rng)
    attributions = rng.standard_normal((4, H, W, 3)).astype(np.float32)
    for reduction, reduce in [
        ("sum", lambda a: a.sum(-1)),
        ("abs_sum", lambda a: np.abs(a).sum(-1)),
        ("max_abs", lambda a: np.abs(a).max(-1)),
    ]:
        scores = faithfulness.localisation(attributions, regions, channel_reduction=reduction)
        direct = faithfulness.localisation(reduce(attributions), regions)
        first = faithfulness.localisation(
            np.moveaxis(attributions, -1, 1), regions, channel_reduction=reduction
        )
        for name in scores:
            np.testing.assert_allclose(scores[name], direct[name], rtol=1e-6, err_msg=name)
            np.testing.assert_array_equal(scores[name], first[name], err_msg=name)
    small = rng.random((4, H // 3, W // 3)).astype(np.float32)  # Grad-CAM's grid
    scores = faithfulness.localisation(small, regions)
    direct = faithfulness.localisation(resize.resize(small, (H, W), "bilinear"), regions)
    for name in scores:
        np.testing.assert_array_equal(scores[name], direct[name], err_msg=name)


def test_k_as_a_count_or_a_share():
    rng = np.random.default_rng(7)
    regions = boxes(3, rng)
    maps = rng.random((3, H, W))
    by_share = faithfulness.localisation(maps, regions, k=0.1, random_baseline=False)
    by_count = faithfulness.localisation(maps, regions, k=43, random_baseline=False)  # 43.2
    np.testing.assert_array_equal(by_share["top_k_intersection"], by_count["top_k_intersection"])
    default = faithfulness.localisation(maps, regions, random_baseline=False)
    nine = faithfulness.localisation(maps, regions, k=9, random_baseline=False)  # 2% of 432
    np.testing.assert_array_equal(default["top_k_intersection"], nine["top_k_intersection"])
    one = faithfulness.localisation(maps, regions, k=1e-6, random_baseline=False)
    np.testing.assert_array_equal(one["top_k_intersection"], one["pointing_game"])


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"regions": np.zeros((2, H, W), np.int64)}, TypeError, "regions: expected a bool"),
        ({"regions": np.zeros((H, W), bool)}, ValueError, "regions: expected a bool array"),
        ({"masks": np.zeros((3, H, W))}, ValueError, "masks"),
        ({"masks": np.zeros((2, H + 4, W))}, ValueError, "masks"),
        ({"masks": np.full((2, H, W), np.nan)}, ValueError, "not finite"),
        ({"k": 0}, ValueError, "k: expected a pixel count in [1, 432)"),
        ({"k": H * W}, ValueError, "k: expected"),
        ({"k": 1.0}, ValueError, "k: expected"),
        ({"k": -0.5}, ValueError, "k: expected"),
        ({"k": True}, TypeError, "k: expected"),
        ({"k": "10"}, TypeError, "k: expected"),
        ({"tolerance": -1}, ValueError, "tolerance: expected a radius"),
        ({"tolerance": float("nan")}, ValueError, "tolerance"),
        ({"weighted": 1}, TypeError, "weighted: expected True or False"),
        ({"random_baseline": None}, TypeError, "random_baseline"),
        ({"seed": -1}, ValueError, "seed"),
        ({"channel_reduction": "mean"}, ValueError, "channel_reduction"),
    ],
)
def test_bad_arguments(change, error, words):
    arguments = {"masks": np.zeros((2, H, W)), "regions": np.zeros((2, H, W), bool)}
    arguments.update(change)
    masks, regions = arguments.pop("masks"), arguments.pop("regions")
    with pytest.raises(error) as raised:
        faithfulness.localisation(masks, regions, **arguments)
    assert words in str(raised.value)
