"""ROAD (Rong et al. 2022, "A Consistent and Efficient Evaluation Strategy for
Attribution Methods"): remove and debias, as pytorch-grad-cam 1.5.7 defines it.

Deletion fills the removed pixels with one colour, and the shape of what was removed
leaks into the model's score. ROAD fills them by *noisy linear imputation*: each
removed pixel becomes the weighted mean of its 8 neighbours (1/6 each edge neighbour,
1/12 each diagonal one), the neighbours that are removed too being unknowns of the
same sparse linear system, plus Gaussian noise. The model's score after removing the
mask's most relevant pixels first (MoRF) should fall fast; after removing the least
relevant first (LeRF), stay high.

Which pixels are removed, as pytorch-grad-cam's `RemoveMostRelevantFirst(percentile)`
picks them: its `percentile` is the share of the pixels *kept*, so removing `q` percent
is its percentile `100 - q`. MoRF at `q` removes every pixel whose value is at least
`np.percentile(values, 100 - q)` (pixels tied at the threshold all go, so a map with a
plateau, such as Grad-CAM's zeros, can remove more than `q` percent); LeRF applies the
same rule to the negated values (pytorch-grad-cam negates as `1 - values`, which is the
same order for its maps in [0, 1] up to float32 rounding and, unlike it, keeps the
order of raw attributions of any scale). The noise: pytorch-grad-cam's default, 0.01
(absolute, in the input's units) times a standard normal draw.

Each image as it is and its imputed copies (`2 * len(percentages)`, twice as many
with the random baseline) run through the model's adapter as one virtual batch,
forward only, like the deletion curves (`curves`): the same scores for a Keras model
and a PyTorch module. The imputation is one sparse linear system per image, order and
percentage, solved exactly (SuperLU, in a nested-dissection order of the pixel grid,
on a few threads; SciPy is needed). It costs more than the forward passes of a small
model: about 2 to 3 ms per imputed 64 x 64 image, 140 ms at 224 x 224, on two CPU cores.
"""

import concurrent.futures
import dataclasses
import functools
import numbers
import os

import numpy as np

from tensorboard_plugin_saliency import arrays, validate
from tensorboard_plugin_saliency.faithfulness.curves import SCORES, _scored
from tensorboard_plugin_saliency.methods import resize
from tensorboard_plugin_saliency.methods.adapter import Batch, image_points
from tensorboard_plugin_saliency.methods.frameworks import adapter_for
from tensorboard_plugin_saliency.methods.table import DEFAULT_BATCH_SIZE

__all__ = [
    "NEIGHBOURS",
    "NOISE",
    "PERCENTAGES",
    "Road",
    "logged_scores",
    "noisy_linear_imputation",
    "removed_pixels",
    "road",
    "road_of",
]

PERCENTAGES = (10, 20, 30, 40, 50, 60, 70, 80, 90)
"""The default percentages of pixels removed: pytorch-grad-cam's percentiles."""

NOISE = 0.01
"""The default noise: pytorch-grad-cam's `NoisyLinearImputer(noise=0.01)`."""

NEIGHBOURS = (
    ((1, 1), 1 / 12),
    ((0, 1), 1 / 6),
    ((-1, 1), 1 / 12),
    ((1, -1), 1 / 12),
    ((0, -1), 1 / 6),
    ((-1, -1), 1 / 12),
    ((1, 0), 1 / 6),
    ((-1, 0), 1 / 6),
)
"""((row offset, column offset), weight) of each neighbour in the imputation, as
pytorch-grad-cam's `neighbors_weights`."""

_ORDERS = ("morf", "lerf", "random_morf", "random_lerf")
"""The removal orders, in the order their images are made and their noise drawn."""

_TABLE_BYTES = 256 << 20
"""The most bytes of imputed images held at once; more are scored in groups."""

_UNKNOWNS = 1 << 20
"""The most unknowns whose systems are set up at once (about 100 bytes each)."""

_PIXELS = 1 << 18
"""The most pixels (of the padded grids) whose right-hand sides are summed at once
(a few float64 arrays of them, 8 bytes a channel)."""


@dataclasses.dataclass(frozen=True)
class Road:
    """ROAD curves of a batch of images (`road`): the model's score after the mask's
    most (MoRF) or least (LeRF) relevant pixels are removed and imputed.

    Example:
      ```python
      from tensorboard_plugin_saliency import faithfulness

      result = faithfulness.road(model, images, masks)
      print(result.morf_auc.mean(), result.random_morf_auc.mean())  # lower: faithful
      print(result.combined.mean())  # higher: faithful
      ```
    """

    percentages: np.ndarray
    """`[P]`: the percentages of the pixels removed, increasing."""
    original: np.ndarray
    """`[N]`: each image's score as it is (nothing removed)."""
    morf_curves: np.ndarray
    """`[N, P]`: the score after removing each percentage, most relevant first."""
    lerf_curves: np.ndarray
    """`[N, P]`: the score after removing each percentage, least relevant first."""
    morf_auc: np.ndarray
    """`[N]`: the area under each MoRF curve over the fraction removed, divided by
    the fractions' span (the curve's mean height; lower is more faithful)."""
    lerf_auc: np.ndarray
    """`[N]`: the same of each LeRF curve (higher is more faithful)."""
    combined: np.ndarray
    """`[N]`: pytorch-grad-cam's `ROADCombined`: (the mean LeRF confidence change
    minus the mean MoRF one) / 2, a change being the score after removal minus
    `original` (higher is more faithful)."""
    random_morf_curves: np.ndarray | None = None
    """`[N, P]`: MoRF under a random pixel order (None: not computed)."""
    random_lerf_curves: np.ndarray | None = None
    """`[N, P]`: LeRF under a random pixel order."""
    random_morf_auc: np.ndarray | None = None
    """`[N]`: their areas: what chance scores."""
    random_lerf_auc: np.ndarray | None = None
    """`[N]`: their areas: what chance scores."""
    random_combined: np.ndarray | None = None
    """`[N]`: the combined score of the random order (about 0)."""


def road(
    model,
    images,
    masks,
    targets=None,
    *,
    percentages=PERCENTAGES,
    noise=NOISE,
    seed=0,
    random_baseline=True,
    score="auto",
    channel_reduction="sum",
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    target=None,
    output=None,
):
    """ROAD: the model's score as the mask's most and least relevant pixels are
    removed and filled by noisy linear imputation, at each percentage.

    Args:
      model, images, targets: as for the methods (`methods.gradients`): a Keras model
        and images `[N, H, W, C]`, or a PyTorch module and images `[N, C, H, W]`.
      masks: the masks ranking the pixels, as for `deletion`: `[N, h, w]`, or
        attributions `[N, H, W, C]` (`[N, C, H, W]` too) reduced per pixel with
        `channel_reduction`; a smaller mask (Grad-CAM) is resized (bilinear) first.
        Higher is more relevant.
      percentages: the percentages of the pixels removed, increasing, each in
        (0, 100); `q` is pytorch-grad-cam's percentile `100 - q`.
      noise: the standard deviation of the Gaussian noise added to the imputed
        pixels, in the input's units (pytorch-grad-cam's 0.01); 0: none.
      seed: the seed of the noise and of the random order (None: fresh entropy):
        `numpy.random.SeedSequence(seed).spawn(2)` seeds a generator each. The
        first draws each image's random order (`permutation(H * W)`, image after
        image), the second the noise: one `standard_normal(dtype=float32)` draw
        `[removed pixels (row-major), C]` per removal and image, the removals in the
        order MoRF at each percentage, LeRF, then the random MoRF and LeRF.
      random_baseline: also the curves under a random pixel order.
      score: what is recorded (`curves.SCORES`): "auto" (the class probability, as
        pytorch-grad-cam's `ClassifierOutputSoftmaxTarget`), "probability" or
        "output".
      channel_reduction: how attributions with channels become one value per pixel
        ("sum", "abs_sum" or "max_abs").
      batch_size: the most model inputs per model call.
      strategy: Keras only: the `tf.distribute.Strategy` to run the model under.
      target: another score to explain (`methods.targets`), instead of classes.
      output: which output of a model with several (an index or a name).

    Returns:
      `Road`. Cost: `1 + 2 * len(percentages)` forward passes per image (twice the
      curves with the random baseline), and one sparse solve per imputed image.

    Raises:
      ValueError, TypeError: an argument is not what it takes.
      ImportError: SciPy is not installed.

    Example:
      ```python
      from tensorboard_plugin_saliency import faithfulness, methods

      masks = methods.grad_cam(model, images)
      result = faithfulness.road(model, images, masks, percentages=(20, 50, 80))
      print(result.morf_curves)  # [N, 3]: falls fast where the mask is faithful
      ```
    """
    adapter = adapter_for(model, batch_size, strategy)
    with adapter.running():
        batch = adapter.prepare(images, targets, target, output)
        return road_of(
            adapter,
            batch,
            masks,
            percentages=percentages,
            noise=noise,
            seed=seed,
            random_baseline=random_baseline,
            score=score,
            channel_reduction=channel_reduction,
        )


def road_of(
    model,
    batch,
    masks,
    *,
    percentages=PERCENTAGES,
    noise=NOISE,
    seed=0,
    random_baseline=True,
    score="auto",
    channel_reduction="sum",
):
    """ROAD of a prepared batch on a model adapter: what `road` computes, for callers
    that hold a `Batch` (the logging flow).

    Args:
      model: the model's adapter (`methods.adapter.ModelAdapter`).
      batch: the prepared `methods.adapter.Batch`.
      masks: as for `road` (channels last, or `[N, h, w]`).
      percentages, noise, seed, random_baseline, score, channel_reduction: as for
        `road`.

    Returns:
      `Road`.

    Raises:
      ValueError, TypeError: an argument is not what it takes.

    Example:
      ```python
      from tensorboard_plugin_saliency.faithfulness.road import logged_scores, road_of

      result = road_of(adapter, adapter.prepare(images), masks)
      scores = logged_scores(result)  # {"road_morf_auc": [N], ...}
      ```
    """
    ops = model.ops
    percentages = _check_percentages(percentages)
    noise = validate.number("noise", noise, 0, float("inf"), what="a standard deviation")
    _check_seed(seed)
    validate.choice("score", score, SCORES)
    if not isinstance(random_baseline, bool):
        raise TypeError(f"random_baseline: expected True or False, got {random_baseline!r}")
    _scipy()
    explained = _scored(batch.explained, score)
    images = np.asarray(ops.numpy(batch.images), np.float32)
    n, h, w = images.shape[:3]
    ((_, values),) = arrays.prepare_masks(masks, n, (h, w), channel_reduction)
    values = resize.resize(values, (h, w), "bilinear")
    order_seed, noise_seed = np.random.SeedSequence(seed).spawn(2)
    orders = _ORDERS if random_baseline else _ORDERS[:2]
    removed = removed_pixels(values, percentages)  # [2, P, N, H, W]
    if random_baseline:
        rng = np.random.default_rng(order_seed)
        shuffled = np.stack([rng.permutation(h * w).reshape(h, w) for _ in range(n)])
        removed = np.concatenate([removed, removed_pixels(shuffled, percentages)])
    removed = removed.reshape(-1, n, h, w)  # [orders * P, N, H, W]
    noise_rng = np.random.default_rng(noise_seed)
    scores = _scores_after(model, batch, explained, images, removed, noise, noise_rng, ops)
    original = scores[0]
    curves = scores[1:].reshape(len(orders), len(percentages), n).transpose(0, 2, 1)
    fractions = percentages / 100.0
    fields = {"percentages": percentages, "original": original}
    for name, morf, lerf in [("", curves[0], curves[1])] + (
        [("random_", curves[2], curves[3])] if random_baseline else []
    ):
        fields[name + "morf_curves"] = morf
        fields[name + "lerf_curves"] = lerf
        fields[name + "morf_auc"] = _mean_area(morf, fractions)
        fields[name + "lerf_auc"] = _mean_area(lerf, fractions)
        fields[name + "combined"] = (
            (lerf - original[:, None]).mean(axis=1) - (morf - original[:, None]).mean(axis=1)
        ) / 2
    return Road(**fields)


def logged_scores(result):
    """The scores a saliency summary stores for one mask, from a `Road`, under the
    names the dashboard knows: `road_morf_auc`, `road_lerf_auc`, `road_combined`,
    `road_morf_curve`, `road_lerf_curve` and, with the random baseline,
    `road_morf_random_auc`, `road_lerf_random_auc`, `road_morf_random_curve`,
    `road_lerf_random_curve`.

    Args:
      result: a `Road`.

    Returns:
      `{score name: array}`, each `[N]` or, for a curve, `[N, P]`.

    Raises:
      TypeError: `result` is not a `Road`.

    Example:
      ```python
      from tensorboard_plugin_saliency.faithfulness.road import logged_scores, road

      scores = logged_scores(road(model, images, masks))
      print(scores["road_combined"])  # [N]
      ```
    """
    if not isinstance(result, Road):
        raise TypeError(f"result: expected a Road, got {type(result).__name__}")
    scores = {
        "road_morf_auc": result.morf_auc,
        "road_lerf_auc": result.lerf_auc,
        "road_combined": result.combined,
        "road_morf_curve": result.morf_curves,
        "road_lerf_curve": result.lerf_curves,
    }
    if result.random_morf_curves is not None:
        scores.update(
            {
                "road_morf_random_auc": result.random_morf_auc,
                "road_lerf_random_auc": result.random_lerf_auc,
                "road_morf_random_curve": result.random_morf_curves,
                "road_lerf_random_curve": result.random_lerf_curves,
            }
        )
    return scores


def _check_percentages(percentages):
    """`percentages` as float64 `[P]`: numbers in (0, 100), strictly increasing."""
    items = [percentages] if isinstance(percentages, numbers.Real) else percentages
    try:
        items = list(items)
    except TypeError:
        raise TypeError(
            f"percentages: expected numbers in (0, 100), got {type(percentages).__name__}"
        ) from None
    if not items:
        raise ValueError("percentages: expected at least one number in (0, 100), got none")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise TypeError(f"percentages: expected numbers in (0, 100), got {item!r}")
        if not 0 < float(item) < 100:
            raise ValueError(f"percentages: expected numbers in (0, 100), got {item!r}")
    result = np.array([float(item) for item in items])
    if np.any(np.diff(result) <= 0):
        raise ValueError(f"percentages: expected increasing numbers, got {list(items)!r}")
    return result


def removed_pixels(values, percentages):
    """bool `[2, P, N, H, W]`: the pixels ROAD removes from each image at each
    percentage, most relevant first ([0]) and least relevant first ([1]).

    As pytorch-grad-cam's `RemoveMostRelevantFirst(100 - q)`: MoRF at `q` removes the
    pixels whose value is at least `np.percentile(values, 100 - q)` of their image
    (all of those tied at it), LeRF the same of the negated values. The values are
    taken as float32, as pytorch-grad-cam's maps are.

    Args:
      values: `[N, H, W]`, one value per pixel, higher more relevant.
      percentages: as for `road`.

    Returns:
      bool `[2, P, N, H, W]`.

    Raises:
      ValueError, TypeError: an argument is not what it takes.

    Example:
      ```python
      from tensorboard_plugin_saliency.faithfulness.road import removed_pixels

      morf, lerf = removed_pixels(maps, (10, 50))
      print(morf[0].mean(axis=(1, 2)))  # about 0.1 per image
      ```
    """
    percentages = _check_percentages(percentages)
    values = np.asarray(values, np.float32)
    if values.ndim != 3 or 0 in values.shape:
        raise ValueError(f"values: expected [N, H, W], got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("values: expected finite values (no NaN or inf)")
    n = values.shape[0]
    flat = values.reshape(n, -1)
    out = np.empty((2, len(percentages)) + values.shape, bool)
    for side, ranked in enumerate((flat, -flat)):
        for j, q in enumerate(percentages):
            # A Python float keeps np.percentile's result float32, as pytorch-grad-cam's
            # threshold is; `not value < threshold` is its removed set.
            threshold = np.percentile(ranked, float(100 - q), axis=1)
            out[side, j] = (ranked >= threshold[:, None]).reshape(values.shape)
    return out


def noisy_linear_imputation(images, removed, *, noise=NOISE, seed=0):
    """The images with their removed pixels filled by noisy linear imputation, as
    pytorch-grad-cam's `NoisyLinearImputer`.

    Each removed pixel becomes the weighted mean of its neighbours inside the image
    (`NEIGHBOURS`: 1/6 each edge neighbour, 1/12 each diagonal one), removed
    neighbours being unknowns of the same sparse linear system, solved exactly per
    image; then `noise` times a standard normal draw is added to it. Kept pixels are
    unchanged. An image with every pixel removed has no known value to spread: its
    pixels become 0 (the singular system's least-norm solution, and what
    pytorch-grad-cam's `spsolve` returns there) plus the noise.

    Args:
      images: float `[N, H, W, C]`, channels last.
      removed: bool `[N, H, W]`: the pixels to fill.
      noise: the noise's standard deviation, in the images' units; 0: none.
      seed: the seed of the noise (None: fresh entropy): image by image, a
        `[removed pixels (row-major), C]` draw of `numpy.random.default_rng(seed)`'s
        `standard_normal(dtype=float32)`.

    Returns:
      float32 `[N, H, W, C]`.

    Raises:
      ValueError, TypeError: an argument is not what it takes.
      ImportError: SciPy is not installed.

    Example:
      ```python
      import numpy as np
      from tensorboard_plugin_saliency.faithfulness.road import noisy_linear_imputation

      removed = np.zeros(images.shape[:3], bool)
      removed[:, 8:24, 8:24] = True
      filled = noisy_linear_imputation(images, removed, noise=0.0)
      ```
    """
    images = np.asarray(images)
    if images.ndim != 4 or 0 in images.shape:
        raise ValueError(f"images: expected [N, H, W, C], got shape {images.shape}")
    if not np.issubdtype(images.dtype, np.number) or not np.all(np.isfinite(images)):
        raise ValueError("images: expected finite numbers")
    removed = np.asarray(removed)
    if removed.dtype != bool:
        raise TypeError(f"removed: expected a bool array, got dtype {removed.dtype}")
    if removed.shape != images.shape[:3]:
        raise ValueError(
            f"removed: expected shape {images.shape[:3]} (the images' [N, H, W]), "
            f"got {removed.shape}"
        )
    noise = validate.number("noise", noise, 0, float("inf"), what="a standard deviation")
    _check_seed(seed)
    _scipy()
    out = images.astype(np.float32)  # a copy, filled in place
    _impute(out, removed, noise, np.random.default_rng(seed), 1)
    return out


def _scores_after(model, batch, explained, images, removed, noise, rng, ops):
    """float64 `[1 + K, N]`: the score of each image as it is, then after each of the
    K removals `removed` `[K, N, H, W]`. The images are imputed in groups (at most
    `_TABLE_BYTES` at once), each while the model scores the group before, on a few
    threads (SuperLU leaves Python's lock while it factorises)."""
    n = removed.shape[1]
    # Removal 0 removes nothing: the images as they are.
    removed = np.concatenate([np.zeros((1,) + removed.shape[1:], bool), removed])
    total = len(removed)
    group = max(1, min(total, _TABLE_BYTES // max(images.nbytes, 1)))
    groups = [range(start, min(start + group, total)) for start in range(0, total, group)]
    workers = max(1, min(4, os.cpu_count() or 1))

    def imputed(g):
        table = np.empty((len(g), n) + images.shape[1:], np.float32)
        table[:] = images
        flat = table.reshape((-1,) + images.shape[1:])
        # The noise is drawn here, group after group, so that it follows the order.
        _impute(flat, removed[g.start : g.stop].reshape(flat.shape[:3]), noise, rng, workers)
        return table

    def scored(table):
        copies = len(table)
        inputs = ops.constant(table.reshape((copies * n,) + images.shape[1:]))
        again = Batch(batch.images, explained).again(inputs, copies, ops)
        return model.scores(again, image_points, 1).reshape(copies, n)

    out = []
    with concurrent.futures.ThreadPoolExecutor(1) as ahead:
        pending = ahead.submit(imputed, groups[0])
        for index in range(len(groups)):
            table = pending.result()
            if index + 1 < len(groups):
                pending = ahead.submit(imputed, groups[index + 1])
            out.append(scored(table))
    return np.concatenate(out).astype(np.float64)


@functools.lru_cache(maxsize=8)
def _grid(h, w):
    """The pixel grid's constants: (a nested-dissection order of its pixels, each
    pixel's place in the grid padded by one pixel all round `[h * w]`, the offset of
    each neighbour there `[8]`, the weights of the neighbours `[8]`, each pixel's sum
    of the weights of its neighbours inside the image `[h * w]`)."""
    rows, cols = np.divmod(np.arange(h * w), w)
    cell = (rows + 1) * (w + 2) + cols + 1
    offsets = np.array([dr * (w + 2) + dc for (dr, dc), _ in NEIGHBOURS])
    weights = np.array([weight for _, weight in NEIGHBOURS])
    degree = np.zeros(h * w)
    for (dr, dc), weight in NEIGHBOURS:
        r, c = rows + dr, cols + dc
        degree[(r >= 0) & (r < h) & (c >= 0) & (c < w)] += weight
    return _dissection(h, w), cell, offsets, weights, degree


def _dissection(h, w, leaf=4):
    """int64 `[h * w]`: the pixels in a nested-dissection order: each box's two halves
    (recursively), then the line of pixels that separates them, so that eliminating
    the unknowns in this order fills in little of the factors."""
    order = []
    stack = [(0, h, 0, w, False)]
    while stack:
        r0, r1, c0, c1, separator = stack.pop()
        if r1 <= r0 or c1 <= c0:
            continue
        grid = np.arange(r0, r1)[:, None] * w + np.arange(c0, c1)[None, :]
        if separator or (r1 - r0) * (c1 - c0) <= leaf:
            order.append(grid.ravel())
            continue
        if r1 - r0 >= c1 - c0:
            m = (r0 + r1) // 2
            parts = [(r0, m, c0, c1, False), (m + 1, r1, c0, c1, False), (m, m + 1, c0, c1, True)]
        else:
            m = (c0 + c1) // 2
            parts = [(r0, r1, c0, m, False), (r0, r1, m + 1, c1, False), (r0, r1, m, m + 1, True)]
        # Popped last first: the halves, then their separator, come out in that order.
        stack.extend(reversed(parts))
    # The stack pops depth first, so a separator is appended after both its halves.
    return np.concatenate(order)


def _impute(images, removed, noise, rng, workers):
    """Fills `images` (float32 `[S, H, W, C]`, in place) at `removed` (bool `[S, H, W]`):
    one system per image. The noise: `noise` times one draw of `rng` `[removed pixels
    of every system (system after system, row-major), C]`. Systems are set up
    together, in chunks of at most `_UNKNOWNS` unknowns."""
    sizes = np.count_nonzero(removed.reshape(len(removed), -1), axis=1)
    start, total = 0, 0
    for s, size in enumerate(sizes):
        if total and total + size > _UNKNOWNS:
            _impute_chunk(images[start:s], removed[start:s], noise, rng, workers)
            start, total = s, 0
        total += size
    _impute_chunk(images[start:], removed[start:], noise, rng, workers)


def _impute_chunk(images, removed, noise, rng, workers):
    """`_impute` of systems set up at once: their matrices and right-hand sides in a
    few array operations over the padded grids of every system; SuperLU then
    factorises and solves each, on `workers` threads (it leaves Python's lock while
    it works)."""
    sparse, linalg = _scipy()
    count, h, w, c = images.shape
    order, cell, offsets, weights, degree = _grid(h, w)
    area = (h + 2) * (w + 2)
    flat = images.reshape(count, h * w, c)
    # The unknowns: each system's removed pixels, in the grid's dissection order.
    chosen = removed.reshape(count, h * w)[:, order]
    system, position = np.nonzero(chosen)
    pixels = order[position]
    starts = np.concatenate([[0], np.cumsum(np.count_nonzero(chosen, axis=1))])
    local = (np.arange(len(pixels)) - starts[system]).astype(np.int32)
    # Each unknown's place in its system's padded grid, where the grid's border and
    # the kept pixels have no index (-1).
    place = system * area + cell[pixels]
    index = np.full(count * area, -1, np.int32)
    index[place] = local
    # Each system, symmetric: degree_i x_i - sum_j w_ij x_j (j removed) = sum_j w_ij v_j
    # (j kept), as pytorch-grad-cam's setup_sparse_system (negated). Its columns (= rows)
    # hold the removed neighbours, then the diagonal.
    columns = np.empty((len(pixels), 9), np.int32)
    for k, offset in enumerate(offsets):
        columns[:, k] = index[place + offset]
    columns[:, 8] = local
    present = columns >= 0
    ends = np.cumsum(np.count_nonzero(present, axis=1))
    columns = columns[present]
    entries = np.broadcast_to(np.append(-weights, 0.0), present.shape)[present]
    entries[ends - 1] = degree[pixels]
    # The right-hand sides: the kept pixels' weighted sum, [1 2 1]^T [1 2 1] / 12 over
    # the images with their removed pixels 0 (the weights, and 4 / 12 at the centre,
    # a removed pixel), zero outside; a few systems at a time.
    rhs = np.empty((len(pixels), c))
    step = max(1, _PIXELS // area)
    for lo in range(0, count, step):
        hi = min(lo + step, count)
        kept = np.zeros((hi - lo, h + 2, w + 2, c))
        kept[:, 1:-1, 1:-1] = np.where(removed[lo:hi, ..., None], 0, images[lo:hi])
        across = kept[:, :, :-2] + kept[:, :, 2:]
        across += 2 * kept[:, :, 1:-1]
        total = across[:, :-2] + across[:, 2:]
        total += 2 * across[:, 1:-1]
        a, b = starts[lo], starts[hi]
        at = (system[a:b] - lo) * (h * w) + pixels[a:b]
        rhs[a:b] = total.reshape(-1, c)[at] / 12
    solution = np.zeros((len(pixels), c))  # every pixel removed: 0, the least-norm

    def solve(s):
        a, b = starts[s], starts[s + 1]
        if b == a or b - a == h * w:
            return
        first = ends[a - 1] if a else 0
        indptr = np.concatenate([[0], ends[a:b] - first])
        matrix = sparse.csc_matrix(
            (entries[first : ends[b - 1]], columns[first : ends[b - 1]], indptr),
            shape=(b - a, b - a),
        )
        matrix.sort_indices()
        factor = linalg.splu(
            matrix, permc_spec="NATURAL", diag_pivot_thresh=0.0, options={"SymmetricMode": True}
        )
        solution[a:b] = factor.solve(rhs[a:b])

    if workers > 1:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            list(pool.map(solve, range(count)))
    else:
        for s in range(count):
            solve(s)
    flat[system, pixels] = solution
    if noise:
        # The draw's order: system after system, each one's removed pixels row-major.
        system, pixels = np.nonzero(removed.reshape(count, h * w))
        flat[system, pixels] += np.float32(noise) * rng.standard_normal(
            (len(pixels), c), np.float32
        )


def _mean_area(curves, fractions):
    """The trapezoid area under each curve over `fractions`, divided by their span
    (the curve itself where there is one fraction)."""
    if len(fractions) == 1:
        return curves[:, 0].copy()
    widths = np.diff(fractions)
    area = ((curves[:, 1:] + curves[:, :-1]) * 0.5 * widths).sum(axis=1)
    return area / (fractions[-1] - fractions[0])


def _scipy():
    """`(scipy.sparse, scipy.sparse.linalg)`; ImportError with a hint without SciPy."""
    try:
        from scipy import sparse
        from scipy.sparse import linalg
    except ImportError as e:
        raise ImportError(
            "ROAD's imputation solves sparse linear systems with SciPy: pip install "
            f"'tensorboard-plugin-saliency[road]' (or scipy) ({e})"
        ) from e
    return sparse, linalg


def _check_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"seed: expected an int or None, got {seed!r}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed: expected an int >= 0 or None, got {seed}")
