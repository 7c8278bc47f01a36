"""Prints, as JSON, Quantus's (0.6.0) and our localisation scores of the same maps and
regions, per image.

Run by tests/faithfulness/test_quantus_parity.py in a subprocess whose path holds
Quantus (installed by .ci/setup without its pins, in a directory of its own), with
TensorFlow, PyTorch and Captum hidden: Quantus imports them when it finds them, and
scores precomputed maps (`model=None`) without them.

Settings, the same on both sides: Quantus gets our maps after our reduction and
resize (`channel_reduction="sum"`: it sums attributions over the channels, as its
docs do, into `[N, 1, H, W]`), in float64; its `abs` and `normalise` at their defaults
(normalise divides by the batch's max |value|, which no score depends on but for the
1e-9 AttributionLocalisation adds to the sum; abs is False but for
AttributionLocalisation, as ours); TopKIntersection's `k` = our pixel count;
`concept_influence=False`. Quantus 0.6.0's batched AttributionLocalisation divides the
region's size by that of `x_batch[2:]`, not by the image's, for `weighted=True`:
batches of 3 one-channel images make the two equal. Its weighted PointingGame raises
a TypeError (a float assigned into a bool array), which is recorded. The pointing
game's tolerance is ours alone (0 here).
"""

import json
import warnings

import numpy as np
import quantus

from tensorboard_plugin_saliency import faithfulness
from tensorboard_plugin_saliency.methods import resize

N, H, W, C = 12, 16, 20, 3
SEED = 5
K_PIXELS = 30
K_SHARE = 0.1  # 32 of the 320 pixels


def regions_batch(rng):
    """Boxes and blobs of many sizes; the last image's region is empty."""
    regions = np.zeros((N, H, W), bool)
    ys, xs = np.mgrid[:H, :W]
    for i in range(N - 1):
        if i % 2:
            y0, x0 = rng.integers(0, H - 2), rng.integers(0, W - 2)
            regions[i, y0 : y0 + rng.integers(2, H), x0 : x0 + rng.integers(2, W)] = True
        else:
            cy, cx, r = rng.uniform(0, H), rng.uniform(0, W), rng.uniform(1.5, 7)
            regions[i] = (ys - cy) ** 2 + (xs - cx) ** 2 <= r * r
    regions[0, :, :] = False
    regions[0, 3, 4] = True  # a single pixel
    return regions


def maps_batch(rng, regions):
    """`{name: (masks as given to ours, the map Quantus scores [N, H, W])}`."""
    near_region = rng.random((N, H, W)) + 0.8 * regions
    signed = rng.standard_normal((N, H, W, C)).astype(np.float32)
    small = rng.random((N, H // 4, W // 4)).astype(np.float32)  # a CAM's grid
    return {
        "positive": (near_region.astype(np.float32), near_region),
        "region": (regions.astype(np.float32), regions),
        "signed_attributions": (signed, signed.sum(axis=-1, dtype=np.float32)),
        "small_map": (small, resize.resize(small, (H, W), "bilinear")),
    }


def quantus_scores(a, s, random_map):
    """`{our name: [N] floats}` of Quantus's metrics on maps `a` [N, H, W]."""
    x = np.zeros((N, 1, H, W), np.float32)
    y = np.zeros(N, int)

    def run(metric, maps=a, batch_size=64):
        scores = metric(
            model=None,
            x_batch=x,
            y_batch=y,
            a_batch=maps[:, None].astype(np.float64),
            s_batch=s[:, None].astype(np.float64),
            batch_size=batch_size,
        )
        return [float(v) for v in scores]

    quiet = {"disable_warnings": True}
    out = {}
    for suffix, maps in (("", a), ("_random", random_map)):
        out["pointing_game" + suffix] = run(quantus.PointingGame(**quiet), maps)
        out["relevance_mass" + suffix] = run(quantus.RelevanceMassAccuracy(**quiet), maps)
        out["relevance_rank" + suffix] = run(quantus.RelevanceRankAccuracy(**quiet), maps)
        out["attribution_localisation" + suffix] = run(
            quantus.AttributionLocalisation(**quiet), maps
        )
        out["top_k_intersection" + suffix] = run(
            quantus.TopKIntersection(k=K_PIXELS, **quiet), maps
        )
    out["top_k_share"] = run(quantus.TopKIntersection(k=round(K_SHARE * H * W), **quiet))
    out["attribution_localisation_weighted"] = run(
        quantus.AttributionLocalisation(weighted=True, **quiet), batch_size=3
    )
    out["unnormalised_attribution_localisation"] = run(
        quantus.AttributionLocalisation(normalise=False, **quiet)
    )
    try:
        run(quantus.PointingGame(weighted=True, **quiet))
        out["pointing_game_weighted_error"] = None
    except TypeError as e:
        out["pointing_game_weighted_error"] = f"TypeError: {e}"
    return out


def our_scores(masks, regions):
    out = faithfulness.localisation(masks, regions, k=K_PIXELS, seed=SEED)
    out = {name: value.tolist() for name, value in out.items()}
    share = faithfulness.localisation(masks, regions, k=K_SHARE, random_baseline=False)
    out["top_k_share"] = share["top_k_intersection"].tolist()
    weighted = faithfulness.localisation(masks, regions, weighted=True, random_baseline=False)
    out["attribution_localisation_weighted"] = weighted["attribution_localisation"].tolist()
    out["pointing_game_weighted"] = weighted["pointing_game"].tolist()
    return out


def main():
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    regions = regions_batch(rng)
    random_map = np.random.default_rng(SEED).random((N, H, W), dtype=np.float32)
    answer = {"share": (regions.sum(axis=(1, 2)) / (H * W)).tolist()}
    for name, (masks, quantus_map) in maps_batch(rng, regions).items():
        answer[name] = {
            "ours": our_scores(masks, regions),
            "quantus": quantus_scores(np.asarray(quantus_map, np.float32), regions, random_map),
        }
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
