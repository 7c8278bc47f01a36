"""XRAI (Kapishnikov et al. 2019), as PAIR's `XRAI.GetMask` computes it.

XRAI segments each image (Felzenszwalb at six scales, PAIR's parameters), then adds
regions one at a time, each time the region whose new pixels have the highest mean
attribution. Every pixel gets the gain of the region it came in with.

The attributions are the base method's, batched as that method is (by default
Integrated Gradients from each image's darkest and brightest values, 100 steps:
both baselines of all images as large traced batches). The segmentations run on a
thread pool while the model computes, and each image's ranking after that (NumPy,
`xrai_segments`). The segmentation needs scikit-image: the `[xrai]` extra.
"""

import functools
import inspect
from concurrent.futures import Future

import numpy as np

from tensorboard_plugin_saliency.methods import checks, engine, xrai_segments
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE
from tensorboard_plugin_saliency.methods.integrated_gradients import integrated_gradients

ALGORITHMS = ("full", "fast")


def _takes(method, name):
    """Whether `method` has a parameter called `name` (not already set by a
    `functools.partial`)."""
    if isinstance(method, functools.partial) and name in method.keywords:
        return False
    try:
        return name in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def _check_share(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number in [0, 1], got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value!r}")
    return float(value)


def _check_attributions(attributions, shape, name="attributions"):
    """`attributions` as an array `[N, H, W]`: each pixel's maximum over channels (PAIR)."""
    array = np.asarray(attributions)
    if array.shape not in (shape, shape[:3]) or not np.issubdtype(array.dtype, np.floating):
        raise ValueError(
            f"{name}: expected floats of shape {shape} or {shape[:3]} (the images' "
            f"[N, H, W, C] or [N, H, W]), got {array.dtype} of shape {array.shape}"
        )
    return array.max(axis=-1) if array.ndim == 4 else array


def _check_segments(segments, shape):
    """Each image's regions (flat pixel indices) from the user's masks, or None."""
    if segments is None:
        return None
    if len(segments) != shape[0]:
        raise ValueError(
            f"segments: expected one list of masks per image ({shape[0]}), got {len(segments)}"
        )
    return [xrai_segments.masks_to_regions(masks, shape[1:3]) for masks in segments]


def _base_attributions(model, images, targets, base, baselines, steps, common, base_params):
    """The base method's attributions `[N, H, W, C]`, averaged over the baselines."""
    params = dict(base_params, **common)
    if steps is not None and _takes(base, "steps"):
        params.setdefault("steps", steps)
    if not _takes(base, "baseline") or "baseline" in params:
        return base(model, images, targets, **params)
    if baselines is None:  # PAIR: each image's darkest and brightest values.
        lows = images.min(axis=(1, 2, 3), keepdims=True)
        highs = images.max(axis=(1, 2, 3), keepdims=True)
        baselines = [lows, highs]
    runs = [base(model, images, targets, baseline=b, **params) for b in baselines]
    return np.mean(np.stack(runs), axis=0)


def xrai(
    model,
    images,
    targets=None,
    *,
    base=integrated_gradients,
    steps=100,
    baselines=None,
    attributions=None,
    segments=None,
    algorithm="full",
    area_threshold=1.0,
    min_pixel_diff=50,
    ranks=False,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    target=None,
    output=None,
    **base_params,
):
    """XRAI: each image's regions ranked by the attribution they add.

    PAIR's `XRAI.GetMask` for all images at once, with its defaults.

    Args:
      model, images, targets, batch_size, strategy, target, output: as for `gradients`
        (passed on to `base`).
      base: the method whose attributions are ranked, e.g. `integrated_gradients`
        (PAIR's), `guided_integrated_gradients`, or SmoothGrad over a method through
        `functools.partial(smoothgrad, base=...)`.
      steps: the base method's path steps, when it takes `steps` (PAIR: 100); not
        when `base` is a `functools.partial` that sets them.
      baselines: the starts of the base method's paths, when it takes `baseline` (and
        is not a `functools.partial` that sets it): it
        runs once per baseline and the attributions are averaged (PAIR). Each is
        anything broadcastable to `images`; default: each image's minimum and its
        maximum value.
      attributions: precomputed attributions `[N, H, W, C]` or `[N, H, W]`, used
        instead of running `base` (PAIR's `base_attribution`).
      segments: each image's regions, a list (one per image) of boolean masks
        `[H, W]`, used instead of the Felzenszwalb segmentation (which needs
        scikit-image: `pip install tensorboard-plugin-saliency[xrai]`).
      algorithm: "full" (regions added one by one, each by the gain of the pixels it
        adds) or "fast" (regions ordered once by their own gain).
      area_threshold: "full" stops adding regions once they cover this share of the
        image; the rest is one last region.
      min_pixel_diff: regions that would add fewer new pixels are dropped.
      ranks: return each pixel's region rank instead (int32, 1 the highest gain;
        PAIR's flattened `segments`).
      **base_params: passed on to `base`.

    Returns:
      float32 `[N, H, W]`: each pixel's gain, the mean attribution of the pixels its
      region added (PAIR's `GetMask`). With `ranks=True`, int32 `[N, H, W]`.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
      ImportError: scikit-image is missing and `segments` is not given.
    """
    checks.check_model(model)
    x = checks.check_images(images).numpy()
    checks.check_count("batch_size", batch_size)
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm: expected one of {ALGORITHMS}, got {algorithm!r}")
    area_threshold = _check_share("area_threshold", area_threshold)
    min_pixel_diff = checks.check_count("min_pixel_diff", min_pixel_diff)
    steps = checks.check_count("steps", steps)
    regions = _check_segments(segments, x.shape)
    if attributions is not None:
        attributions = _check_attributions(attributions, x.shape)
    elif not callable(base):
        raise TypeError(
            f"base: expected a saliency method such as integrated_gradients, got {base!r}"
        )
    pool = engine.thread_pool("xrai")
    if regions is None:  # Segmented on the pool while the model computes.
        xrai_segments.require_skimage()
        regions = [pool.submit(xrai_segments.felzenszwalb_regions, image) for image in x]
    else:
        regions = [_done(r) for r in regions]
    try:
        if attributions is None:
            common = {"batch_size": batch_size}
            for name, value in (("strategy", strategy), ("target", target), ("output", output)):
                if value is not None:
                    common[name] = value
            attributions = _check_attributions(
                _base_attributions(model, x, targets, base, baselines, steps, common, base_params),
                x.shape,
                f"base {getattr(base, '__name__', 'method')}'s attributions",
            )

        def rank(i):  # Queued after every segmentation: never waits on a queued task.
            found = regions[i].result()
            return xrai_segments.rank_regions(
                attributions[i], found, algorithm, area_threshold, min_pixel_diff
            )[1 if ranks else 0]

        return np.stack(list(pool.map(rank, range(len(x)))))
    finally:
        for future in regions:
            future.cancel()  # On an error, the segmentations not yet started.


def _done(value):
    """A finished future holding `value`."""
    future = Future()
    future.set_result(value)
    return future
