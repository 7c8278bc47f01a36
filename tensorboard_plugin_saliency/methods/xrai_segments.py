"""XRAI's regions: PAIR's Felzenszwalb segmentation, and the ranking of regions by gain.

Both work on one image in NumPy (scikit-image for the segmentation); `xrai` runs
them for all images on a thread pool. A region is kept as the sorted flat indices
of its pixels, so the ranking costs the regions' total area, not regions x pixels
per region added (PAIR's loop), and gives PAIR's result: the order is PAIR's (the
best gain, the first region among equals), and each region's gain is computed
as PAIR computes it (`attr[pixels].mean()` in the attributions' dtype).
"""

import numpy as np

SCALES = (50, 100, 150, 250, 500, 1200)
"""Felzenszwalb's `scale` at each of PAIR's segmentations."""
SIGMA = 0.8
MIN_SIZE = 150
RESIZE = (224, 224)
"""PAIR segments every image at 224 x 224, its values rescaled to [-1, 1]."""
DILATION_RADIUS = 5
"""Each segment grows by a disk of this radius (PAIR: to take in its edges)."""

MISSING = (
    "xrai: segmenting images needs scikit-image (and SciPy), which are not installed; "
    "pip install tensorboard-plugin-saliency[xrai] (or pass segments=)"
)


def require_skimage():
    """The scikit-image modules the segmentation uses; an ImportError naming the
    `[xrai]` extra when they are missing."""
    try:
        from scipy import ndimage
        from skimage import morphology, segmentation, transform
    except ImportError as e:
        raise ImportError(MISSING) from e
    return ndimage, morphology, segmentation, transform


def felzenszwalb_regions(image):
    """PAIR's `_get_segments_felzenszwalb(image)`, as flat pixel indices.

    Args:
      image: float `[H, W, C]`, as given to the method.

    Returns:
      A list of int64 arrays, one per non-empty region in PAIR's order (scale after
      scale, label after label), each the sorted flat indices (in `H * W`) of the
      region's pixels after dilation.
    """
    ndimage, morphology, segmentation, transform = require_skimage()
    shape = image.shape[:2]
    im_max, im_min = np.max(image), np.min(image)
    if im_max > im_min:
        im = (image - im_min) / (im_max - im_min)
    else:  # A flat image (PAIR divides by zero and segments NaNs).
        im = np.zeros_like(image)
    im = im * (1.0 - -1.0) + -1.0
    im = transform.resize(
        im, RESIZE, order=3, mode="constant", preserve_range=True, anti_aliasing=True
    )
    footprint = morphology.disk(DILATION_RADIUS).astype(bool)
    regions = []
    for scale in SCALES:
        seg = segmentation.felzenszwalb(im, scale=scale, sigma=SIGMA, min_size=MIN_SIZE)
        seg = transform.resize(
            seg, shape, order=0, preserve_range=True, mode="constant", anti_aliasing=False
        ).astype(int)
        regions += _dilated_labels(seg, footprint, ndimage)
    return regions


def _dilated_labels(seg, footprint, ndimage):
    """Each label's pixels of `seg`, dilated by `footprint`, as flat indices.

    PAIR dilates each whole-image mask with `skimage.morphology.dilation` (grey
    dilation, borders reflected); for a disk that equals a binary dilation with
    nothing outside the image, done here on the label's bounding box grown by the
    radius.
    """
    h, w = seg.shape
    radius = footprint.shape[0] // 2
    low = seg.min()
    out = []
    for j, box in enumerate(ndimage.find_objects(seg - low + 1)):
        if box is None:  # A label lost when the segmentation was resized back.
            continue
        top, bottom = max(box[0].start - radius, 0), min(box[0].stop + radius, h)
        left, right = max(box[1].start - radius, 0), min(box[1].stop + radius, w)
        crop = seg[top:bottom, left:right] == low + j
        grown = ndimage.binary_dilation(crop, structure=footprint)
        rows, cols = np.nonzero(grown)
        out.append((rows + top) * w + cols + left)
    return out


def masks_to_regions(masks, shape):
    """Boolean masks `[H, W]` (a list, or an array `[K, H, W]`) as flat pixel indices,
    the empty ones left out."""
    regions = []
    for k, mask in enumerate(masks):
        mask = np.asarray(mask)
        if mask.shape != shape or mask.dtype != bool:
            raise ValueError(
                f"segments: expected boolean masks of shape {shape} (the images' height "
                f"and width), got mask {k} of dtype {mask.dtype} and shape {mask.shape}"
            )
        pixels = np.flatnonzero(mask)
        if len(pixels):
            regions.append(pixels)
    return regions


def _mean(attr, pixels):
    """PAIR's gain of a region: the attributions' mean over its pixels (indices or a
    boolean mask), -inf for none."""
    values = attr[pixels]
    return values.mean() if values.size else -np.inf


def rank_regions(attr, regions, algorithm="full", area_threshold=1.0, min_pixel_diff=50):
    """PAIR's `XRAI._xrai` (or `_xrai_fast`) on one image.

    Args:
      attr: float `[H, W]`, the attributions (channels already reduced).
      regions: flat pixel indices of each region (see `felzenszwalb_regions`).
      algorithm: "full" (regions added greedily by the gain of what they add) or
        "fast" (ordered once by their own gain).
      area_threshold: share of the image after which "full" stops adding regions.
      min_pixel_diff: regions adding fewer new pixels are dropped.

    Returns:
      `(heatmap, ranks)`: float32 `[H, W]`, each pixel's gain (the region it came in
      with), and int32 `[H, W]`, that region's rank by gain (1 the highest).
    """
    shape = attr.shape
    flat = attr.reshape(-1)
    covered = np.zeros(flat.shape, bool)
    heat = np.full(flat.shape, -np.inf)
    added = []  # (new pixels, gain) of each region, in the order added
    if algorithm == "full":
        _full(flat, regions, covered, heat, added, area_threshold, min_pixel_diff)
    else:
        gains = np.array([_mean(flat, r) for r in regions])
        for k in np.argsort(-gains, kind="stable"):
            new = regions[k][~covered[regions[k]]]
            if len(new) < min_pixel_diff:
                continue
            gain = flat[new].mean()
            added.append((new, gain))
            heat[new] = gain
            covered[regions[k]] = True
    left = heat == -np.inf
    heat[left] = _mean(flat, left)  # What no region took gets the mean of its values.
    ranks = np.zeros(flat.shape, np.int32)
    order = sorted(range(len(added)), key=lambda a: -added[a][1])
    for rank, a in enumerate(order):
        ranks[added[a][0]] = rank + 1
    if left.any():
        ranks[left] = len(added) + 1
    return heat.reshape(shape).astype(np.float32), ranks.reshape(shape)


def _full(flat, regions, covered, heat, added, area_threshold, min_pixel_diff):
    """PAIR's greedy loop: add the region whose new pixels have the highest mean.

    Each region's count and sum of not yet covered pixels are kept up to date (in
    float64) as pixels get covered, through an index from pixel to regions. The
    regions within a small margin of the best are then scored exactly as PAIR does,
    and the first of the best is added, as PAIR's loop picks it.
    """
    count = len(regions)
    sizes = np.array([len(r) for r in regions], np.int64)
    owners = np.repeat(np.arange(count), sizes)
    pixels = np.concatenate(regions) if count else np.zeros(0, np.int64)
    values = flat.astype(np.float64)
    order = np.argsort(pixels, kind="stable")
    starts = np.searchsorted(pixels[order], np.arange(len(flat) + 1))
    owners_by_pixel = owners[order]
    left = sizes.copy()
    sums = np.bincount(owners, weights=values[pixels], minlength=count)
    alive = np.ones(count, bool)
    margin = 1e-5 * (np.max(np.abs(values)) if len(values) else 0.0)
    area = 0.0
    while area <= area_threshold:
        alive &= left >= min_pixel_diff
        if not alive.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            estimate = np.where(alive, sums / left, -np.inf)
        candidates = np.flatnonzero(alive & (estimate >= estimate.max() - margin))
        best, best_gain = None, -np.inf
        for k in candidates:  # PAIR's gains and choice: the first of the best.
            gain = _mean(flat, regions[k][~covered[regions[k]]])
            if gain > best_gain:
                best, best_gain = k, gain
        if best is None:  # NaN attributions: PAIR fails here.
            break
        new = regions[best][~covered[regions[best]]]
        added.append((new, best_gain))
        heat[new] = best_gain
        covered[new] = True
        area = np.mean(covered)
        alive[best] = False
        # Every region loses the pixels just covered.
        lengths = starts[new + 1] - starts[new]
        ends = np.cumsum(lengths)
        hit = owners_by_pixel[
            np.repeat(starts[new] - ends + lengths, lengths) + np.arange(ends[-1])
        ]
        weights = np.repeat(values[new], lengths)
        left -= np.bincount(hit, minlength=count)
        sums -= np.bincount(hit, weights=weights, minlength=count)
