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

from concurrent.futures import Future

import numpy as np

from tensorboard_plugin_saliency.methods import checks, pools, xrai_segments

ALGORITHMS = ("full", "fast")


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


def _base_attributions(model, batch, base, baselines, steps, base_params):
    """The base method's attributions `[N, H, W, C]`, averaged over the baselines."""
    from tensorboard_plugin_saliency.methods import table

    name, preset = table.base_name(base)
    if name == "xrai":
        raise TypeError("base: expected a saliency method other than xrai, got xrai")
    method = table.METHODS[name]
    params = {**method.defaults, **preset, **base_params}
    if steps is not None and "steps" in method.defaults and "steps" not in preset:
        params["steps"] = base_params.get("steps", steps)
    if "baseline" not in method.defaults or "baseline" in preset or "baseline" in base_params:
        return method.run(model, batch, params)
    if baselines is None:  # PAIR: each image's darkest and brightest values.
        x = model.ops.numpy(batch.images)
        lows = x.min(axis=(1, 2, 3), keepdims=True)
        highs = x.max(axis=(1, 2, 3), keepdims=True)
        baselines = [lows, highs]
    runs = [method.run(model, batch, dict(params, baseline=b)) for b in baselines]
    return np.mean(np.stack(runs), axis=0)


def compute(
    model,
    batch,
    base="integrated_gradients",
    steps=100,
    baselines=None,
    attributions=None,
    segments=None,
    algorithm="full",
    area_threshold=1.0,
    min_pixel_diff=50,
    ranks=False,
    **base_params,
):
    """XRAI: each image's regions ranked by the attribution they add, `[N, H, W]`.

    PAIR's `XRAI.GetMask` for all images at once, with its defaults: float32 gains
    (the mean attribution of the pixels each pixel's region added), or with
    `ranks=True` int32 region ranks (1 the highest gain). `attributions` (precomputed,
    PAIR's `base_attribution`) replace the base method's; `segments` (one list of
    boolean masks `[H, W]` per image) replace the Felzenszwalb segmentation, which
    needs scikit-image (`pip install tensorboard-plugin-saliency[xrai]`).
    """
    from tensorboard_plugin_saliency.methods import table

    x = model.ops.numpy(batch.images)
    checks.check_choice("algorithm", algorithm, ALGORITHMS)
    area_threshold = checks.check_share("area_threshold", area_threshold)
    min_pixel_diff = checks.check_count("min_pixel_diff", min_pixel_diff)
    steps = checks.check_count("steps", steps)
    regions = _check_segments(segments, x.shape)
    if attributions is not None:
        attributions = _check_attributions(model.channels_last(np.asarray(attributions)), x.shape)
    pool = pools.thread_pool("xrai")
    if regions is None:  # Segmented on the pool while the model computes.
        xrai_segments.require_skimage()
        regions = [pool.submit(xrai_segments.felzenszwalb_regions, image) for image in x]
    else:
        regions = [_done(r) for r in regions]
    try:
        if attributions is None:
            attributions = _check_attributions(
                _base_attributions(model, batch, base, baselines, steps, base_params),
                x.shape,
                f"base {table.base_name(base)[0]}'s attributions",
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
