"""Localisation scores: does a mask put its weight on the region of the explained
class (a segmentation mask or boxes), as Quantus 0.6.0 defines them?

Six scores per image, higher is better for all (`NAMES`): the pointing game (Zhang et
al. 2018), relevance mass and relevance rank accuracy (Arras et al. 2022), attribution
localisation (Kohlbrenner et al. 2020), top-k intersection (Theiner et al. 2021), and
the mass ratio: the share of the mask's |mass| in the region over the region's share
of the image (1 is chance). The same scores of a seeded uniform random map are the
baseline of chance. Pure NumPy, vectorised over the batch: one partition of each map
and a sort of its highest values, no loop over images or pixels.
"""

import math
import numbers

import numpy as np

from tensorboard_plugin_saliency import arrays, validate
from tensorboard_plugin_saliency.methods import resize

NAMES = (
    "pointing_game",
    "relevance_mass",
    "relevance_rank",
    "attribution_localisation",
    "top_k_intersection",
    "mass_ratio",
)
"""The scores `localisation` returns, in order; each also as `<name>_random`."""

DEFAULT_K = 0.02
"""Top-k's default: 2 % of the pixels, Quantus's default of k=1000 pixels on a
224x224 image (1000 / 50176), kept as a share so that it means the same at any size."""


def localisation(
    masks,
    regions,
    *,
    tolerance=0,
    k=DEFAULT_K,
    weighted=False,
    channel_reduction="sum",
    random_baseline=True,
    seed=0,
):
    """The localisation scores of one mask per image against each image's region.

    The mask is reduced to one value per pixel (`channel_reduction`) and resized
    (bilinear) to the regions' size, then, with R the region, |R| its pixel count,
    P the image's and `share` = |R| / P:

    - `pointing_game`: 1 if a pixel where the map takes its maximum lies within
      `tolerance` pixels (Euclidean) of R, else 0; with tied maxima any one counts,
      as in Quantus (a constant map hits). Quantus 0.6.0 has no tolerance: this is
      Zhang et al.'s (2018; they use 15 pixels). `weighted`: a hit scores
      1 - share (Quantus's definition up to 0.5.3; 0.6.0's raises a TypeError).
    - `relevance_mass`: sum of the map over R / its sum over the image, signed as
      Quantus's RelevanceMassAccuracy (`abs=False`): a signed map can leave [0, 1].
    - `relevance_rank`: the share of the |R| highest pixels that lie in R.
    - `attribution_localisation`: sum of |map| over R / sum of |map| (Quantus's
      AttributionLocalisation, whose default is `abs=True`); `weighted`: times share.
    - `top_k_intersection`: the share of the k highest pixels that lie in R
      (Quantus's TopKIntersection, `concept_influence=False`).
    - `mass_ratio`: `attribution_localisation` (unweighted) / share: 1 is chance,
      1 / share the most (a map equal to R).

    Pixels tied with the |R|-th (k-th) highest value count in proportion (the mean
    over random orders of the tied pixels), where Quantus's unstable argsort picks
    some: the same numbers wherever no tie straddles the cut. A map whose (|.|) sum
    is 0 scores 0 mass (Quantus's RelevanceMassAccuracy gives NaN, its
    AttributionLocalisation 0). Quantus's preprocessing: its `normalise` (division by
    the batch's max |value|) changes none of these scores but for the 1e-9 that
    AttributionLocalisation adds to the sum (a difference below 1e-9 / sum); `abs`
    must be left at its defaults (False; True for AttributionLocalisation).

    Args:
      masks: one mask per image: `[N, h, w]`, or attributions `[N, H, W, C]`
        (`[N, C, H, W]` too), reduced per pixel with `channel_reduction`; a map
        smaller than the regions (Grad-CAM's) is resized to them first.
      regions: bool `[N, H, W]`: each image's region of the explained class
        (`regions.region_of`). An image whose region is empty or the whole image
        gets NaN for every score.
      tolerance: the pointing game's radius in pixels of the regions' size: a
        maximum within that distance of the region is a hit. Default 0.
      k: top-k's pixel count (an int in [1, P), as Quantus's `k`) or a share of the
        image's pixels (a float in (0, 1), rounded to a count of at least 1).
      weighted: Quantus's `weighted` option of the pointing game and attribution
        localisation (see above).
      channel_reduction: how attributions with channels become one value per pixel:
        "sum", "abs_sum" or "max_abs" (as the writers reduce them).
      random_baseline: also score a uniform random map, as `<name>_random`. It does
        not depend on the mask: for several masks of one batch, ask it once.
      seed: the random map's seed (`numpy.random.default_rng`).

    Returns:
      `{name: float64 [N]}` for each of `NAMES`, and `<name>_random` for each with
      `random_baseline`. NaN where the image's region is empty or the whole image.

    Raises:
      ValueError, TypeError: an argument is not what it takes (regions not bool
        `[N, H, W]`, masks of another batch or a larger size, k out of range).

    Example:
      ```python
      from tensorboard_plugin_saliency import faithfulness, methods

      masks = methods.grad_cam(model, images, classes)
      scores = faithfulness.localisation(masks, regions, tolerance=15)
      print(scores["pointing_game"].mean(), scores["pointing_game_random"].mean())
      ```
    """
    regions = _regions(regions)
    n, h, w = regions.shape
    pixels = h * w
    tolerance = validate.number("tolerance", tolerance, 0, math.inf, what="a radius in pixels")
    count = _top_k(k, pixels)
    for name, value in (("weighted", weighted), ("random_baseline", random_baseline)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name}: expected True or False, got {value!r}")
    seed = validate.integer("seed", seed, 0)
    ((_, values),) = arrays.prepare_masks(masks, n, (h, w), channel_reduction)
    maps = [resize.resize(values, (h, w), "bilinear")]
    if random_baseline:
        maps.append(np.random.default_rng(seed).random((n, h, w), dtype=np.float32))
    scores = _scores(
        np.stack(maps).reshape(len(maps), n, pixels),
        regions.reshape(n, pixels),
        _near(regions, tolerance).reshape(n, pixels),
        count,
        bool(weighted),
    )
    out = {name: scores[name][0] for name in NAMES}
    if random_baseline:
        out.update({f"{name}_random": scores[name][1] for name in NAMES})
    return out


def _regions(regions):
    """`regions` as a bool `[N, H, W]` array, or the error naming it."""
    array = arrays.to_numpy(regions, "regions")
    if array.dtype != np.bool_:
        raise TypeError(
            "regions: expected a bool array [N, H, W] (each image's region of the explained "
            "class), got dtype %s" % array.dtype
        )
    if array.ndim != 3:
        raise ValueError("regions: expected a bool array [N, H, W], got shape %s" % (array.shape,))
    return array


def _top_k(k, pixels):
    """Top-k's pixel count from `k`: a count in [1, pixels) or a share in (0, 1)."""
    expected = (
        f"k: expected a pixel count in [1, {pixels}) (an int) or a share of the "
        f"pixels in (0, 1) (a float), got {k!r}"
    )
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Real):
        raise TypeError(expected)
    if isinstance(k, numbers.Integral):
        if not 1 <= k < pixels:
            raise ValueError(expected)
        return int(k)
    if not 0 < k < 1:
        raise ValueError(expected)
    return int(min(max(round(k * pixels), 1), max(pixels - 1, 1)))


def _near(regions, tolerance):
    """bool `[N, H, W]`: the pixels within `tolerance` (Euclidean) of a region pixel.

    Exact and vectorised: each pixel's distance along its row to the nearest region
    pixel (from running maxima of the region pixels' columns), then for each row
    offset dy the pixels whose row y + dy has one within sqrt(tolerance² - dy²)."""
    if tolerance < 1:
        return regions
    n, h, w = regions.shape
    radius = int(math.floor(tolerance))
    far = w + radius + 1  # farther than any reach: no region pixel on that side
    columns = np.arange(w, dtype=np.int32)
    before = np.maximum.accumulate(np.where(regions, columns, -far), axis=2)
    after = np.minimum.accumulate(np.where(regions, columns, w + far)[..., ::-1], axis=2)
    along = np.minimum(columns - before, after[..., ::-1] - columns)
    along = np.minimum(along, radius + 1).astype(np.int16 if radius < 30000 else np.int32)
    near = np.zeros_like(regions)
    for dy in range(-min(radius, h - 1), min(radius, h - 1) + 1):
        reach = tolerance * tolerance - dy * dy  # pixel (y, x) is near if row y + dy
        half = math.isqrt(int(reach))  # has a region pixel within `half` columns
        top, bottom = max(0, -dy), h - max(0, dy)
        near[:, top:bottom] |= along[:, top + dy : bottom + dy] <= half
    return near


def _scores(maps, regions, near, k, weighted):
    """`{name: float64 [copies, N]}` of `maps` `[copies, N, P]` (float32) against
    `regions` and the pointing game's `near` (bool `[N, P]`)."""
    pixels = maps.shape[2]
    size = np.count_nonzero(regions, axis=1)
    share = size / pixels
    valid = (size > 0) & (size < pixels)
    inside = regions.astype(np.float64)

    maxima = maps == maps.max(axis=2, keepdims=True)
    hit = (maxima & near).any(axis=2).astype(np.float64)
    pointing = hit * (1.0 - share) if weighted else hit

    values = maps.astype(np.float64)
    magnitudes = np.abs(values)
    mass = _ratio(np.einsum("cnp,np->cn", values, inside), values.sum(axis=2))
    located = _ratio(np.einsum("cnp,np->cn", magnitudes, inside), magnitudes.sum(axis=2))
    ratio = located / np.where(valid, share, 1.0)

    # The |R|-th and k-th highest values of each map: one partition isolates the
    # `most` highest values of every row, and sorting only those gives both.
    counts = np.where(valid, size, 1)
    most = max(int(counts.max()), k)
    highest = np.sort(np.partition(maps, pixels - most, axis=2)[..., pixels - most :], axis=2)
    rank_cut = np.take_along_axis(highest, (most - counts)[None, :, None], axis=2)
    rank = _in_top(maps, regions, rank_cut, counts)
    top_k = _in_top(maps, regions, highest[..., most - k : most - k + 1], k)

    scores = {
        "pointing_game": pointing,
        "relevance_mass": mass,
        "relevance_rank": rank,
        "attribution_localisation": located * share if weighted else located,
        "top_k_intersection": top_k,
        "mass_ratio": ratio,
    }
    return {name: np.where(valid, value, np.nan) for name, value in scores.items()}


def _ratio(part, whole):
    """part / whole, 0 where whole is 0 (a map without mass)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole != 0, part / np.where(whole != 0, whole, 1.0), 0.0)


def _in_top(maps, regions, threshold, count):
    """The share of the `count` highest pixels of `maps` `[copies, N, P]` in
    `regions` `[N, P]`, `threshold` `[copies, N, 1]` the count-th highest value;
    pixels tied with it count in proportion to the places left for them."""
    above = maps > threshold
    tied = maps == threshold
    above_in = np.count_nonzero(above & regions, axis=2)
    tied_in = np.count_nonzero(tied & regions, axis=2)
    places = count - np.count_nonzero(above, axis=2)
    return (above_in + places * tied_in / np.count_nonzero(tied, axis=2)) / count
