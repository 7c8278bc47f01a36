"""Deletion and insertion curves (Petsiuk et al. 2018, RISE): does a mask rank first
the pixels the model relies on?

Deletion removes the pixels in the mask's order, most salient first, and records the
model's score for the explained class after each fraction of them: a faithful mask
makes it fall fast (a low area under the curve). Insertion restores them, in the same
order, onto a blurred copy of the image: a faithful mask makes it rise fast (a high
area). The same curves under a random pixel order are the baseline of chance.

Every perturbed copy of every image (`steps + 1` per curve, twice with the random
baseline) runs through the model's adapter as one virtual batch, forward only, in
chunks of at most `batch_size` model inputs: the same curves for a Keras model and a
PyTorch module (`methods.adapter`).
"""

import dataclasses

import numpy as np

from tensorboard_plugin_saliency import arrays, validate
from tensorboard_plugin_saliency.methods import checks, resize, targets
from tensorboard_plugin_saliency.methods.adapter import Batch
from tensorboard_plugin_saliency.methods.blur_ig import blur_matrices
from tensorboard_plugin_saliency.methods.frameworks import adapter_for
from tensorboard_plugin_saliency.methods.table import DEFAULT_BATCH_SIZE

SCORES = ("auto", "probability", "output")
"""What a curve records: the class probability (softmax of the outputs), the output
as it is, or "auto": the probability, taking output rows that already are
probabilities (non-negative, summing to 1) as they are."""

FILLS = ("mean", "blur")
"""Named fills of the deleted pixels, besides a number."""


@dataclasses.dataclass(frozen=True)
class Curves:
    """Deletion or insertion curves of a batch of images (`deletion`, `insertion`).

    Example:
      ```python
      from tensorboard_plugin_saliency import faithfulness

      curves = faithfulness.deletion(model, images, masks)
      print(curves.auc.mean(), curves.random_auc.mean())  # lower than chance: faithful
      ```
    """

    fractions: np.ndarray
    """`[steps + 1]`: the share of the pixels removed (or restored), 0 to 1."""
    curves: np.ndarray
    """`[N, steps + 1]`: the score after each fraction, in the mask's order."""
    auc: np.ndarray
    """`[N]`: the trapezoid area under each curve, over the fractions (0 to 1)."""
    random_curves: np.ndarray | None = None
    """`[N, steps + 1]`: the same under a random pixel order (None: not computed)."""
    random_auc: np.ndarray | None = None
    """`[N]`: their areas: what chance scores."""


def deletion(model, images, masks, targets=None, *, steps=20, fill=0.0, **options):
    """The model's score as the mask's most salient pixels are removed first.

    Args:
      model, images, targets: as for the methods (`methods.gradients`): a Keras model
        and images `[N, H, W, C]`, or a PyTorch module and images `[N, C, H, W]`;
        `target=` and `output=` are taken too, with `score="output"`.
      masks: the masks ranking the pixels: `[N, h, w]`, or attributions `[N, H, W, C]`
        (`[N, C, H, W]` too; reduced per pixel with `channel_reduction`); a mask
        smaller than the images (Grad-CAM) is resized to them (bilinear) first.
        Higher ranks first.
      steps: the curve's steps: each removes another `1/steps` of the pixels.
      fill: what removed pixels become: a number (every channel; default 0, black as
        in RISE), "mean" (the image's mean colour) or "blur" (its blurred copy).
      **options: `score` (see `SCORES`; default "auto"), `random_baseline` (default
        True), `seed` (of the random order, default 0), `blur` (sigma in pixels, for
        fill="blur", default 5), `channel_reduction` (default "sum"), `batch_size`,
        `strategy`, `target`, `output`.

    Returns:
      `Curves`. Cost: `steps + 1` forward passes per image, twice with the baseline.

    Raises:
      ValueError, TypeError: an argument is not what it takes.

    Example:
      ```python
      from tensorboard_plugin_saliency import faithfulness, methods

      masks = methods.integrated_gradients(model, images)
      curves = faithfulness.deletion(model, images, masks, steps=10, fill="blur")
      print(curves.auc)  # [N]: lower is more faithful
      ```
    """
    return _curves("deletion", model, images, masks, targets, steps, fill=fill, **options)


def insertion(model, images, masks, targets=None, *, steps=20, blur=5.0, **options):
    """The model's score as the mask's most salient pixels are restored first onto a
    blurred copy of the image. Other arguments and the result as for `deletion`.

    Args:
      model, images, masks, targets, steps, **options: as for `deletion`.
      blur: the Gaussian's sigma in pixels of the copy the pixels are restored onto;
        0 starts from black.

    Returns:
      `Curves`: the score after each fraction restored.

    Raises:
      ValueError, TypeError: an argument is not what it takes.

    Example:
      ```python
      from tensorboard_plugin_saliency import faithfulness

      curves = faithfulness.insertion(model, images, masks, blur=3.0)
      print(curves.auc)  # [N]: higher is more faithful
      ```
    """
    return _curves("insertion", model, images, masks, targets, steps, blur=blur, **options)


def _curves(
    kind,
    model,
    images,
    masks,
    classes,
    steps,
    *,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    target=None,
    output=None,
    **options,
):
    adapter = adapter_for(model, batch_size, strategy)
    with adapter.running():
        batch = adapter.prepare(images, classes, target, output)
        return curves_of(adapter, batch, kind, masks, steps, **options)


def curves_of(
    model,
    batch,
    kind,
    masks,
    steps=20,
    *,
    fill=0.0,
    blur=5.0,
    score="auto",
    random_baseline=True,
    seed=0,
    channel_reduction="sum",
):
    """The `kind` ("deletion" or "insertion") curves of `batch` under `masks`, on a
    model adapter: what `deletion` and `insertion` compute, for callers that hold a
    prepared batch (the logging flow). Masks are channels last or `[N, h, w]`."""
    ops = model.ops
    n, h, w = batch.shape[:3]
    steps = checks.check_count("steps", steps)
    validate.choice("score", score, SCORES)
    if isinstance(blur, bool) or not isinstance(blur, (int, float)) or not blur >= 0:
        raise ValueError(f"blur: expected a sigma in pixels >= 0, got {blur!r}")
    explained = _scored(batch.explained, score)
    images = ops.numpy(batch.images)
    ranks = [pixel_ranks(masks, images, channel_reduction)]
    if random_baseline:
        rng = np.random.default_rng(seed)
        ranks.append(np.stack([rng.permutation(h * w).reshape(h, w) for _ in range(n)]))
    counts = np.round(np.arange(steps + 1) * (h * w) / steps).astype(np.int64)
    if kind == "deletion":  # pixels of rank < count come from the fill, the rest stay
        start, source = images, _fill(images, fill, blur)
    else:  # pixels of rank < count come from the image, the rest stay blurred
        start, source = _blurred(images, blur), images
    copies = len(ranks)
    starts = ops.constant(np.concatenate([start] * copies))
    perturbed = Batch(batch.images, explained).again(starts, copies, ops)
    scores = model.scores(
        perturbed,
        _perturbed,
        steps + 1,
        ops.constant(np.concatenate([source] * copies)),
        ops.constant(np.concatenate(ranks), "int64"),
        ops.constant(counts, "int64"),
    )
    curves = scores.reshape(steps + 1, copies * n).T.astype(np.float64)
    fractions = counts / (h * w)
    auc = _area(curves, fractions)
    return Curves(
        fractions=fractions,
        curves=curves[:n],
        auc=auc[:n],
        random_curves=curves[n:] if random_baseline else None,
        random_auc=auc[n:] if random_baseline else None,
    )


def _perturbed(ops, images, k, i, source, ranks, counts):
    """Row (k, i): image i with its pixels of rank < counts[k] taken from `source`."""
    taken = ops.gather(ranks, i) < ops.reshape(ops.gather(counts, k), [-1, 1, 1])
    x = ops.where(taken[..., None], ops.gather(source, i), ops.gather(images, i))
    return x, 1.0


def _area(curves, fractions):
    """The trapezoid area under each curve, over `fractions`."""
    widths = np.diff(fractions)
    return ((curves[:, 1:] + curves[:, :-1]) * 0.5 * widths).sum(axis=1)


def pixel_ranks(masks, images, channel_reduction="sum"):
    """int `[N, H, W]`: each pixel's rank in its mask, 0 the most salient.

    Masks are reduced to `[N, h, w]` as the writer reduces them, resized (bilinear) to
    the images' size, and ranked by value, highest first; ties go in pixel order.

    Args:
      masks: as for `deletion`.
      images: the images `[N, H, W, ...]`, for their count and size.
      channel_reduction: how attributions with channels become one value per pixel
        (`"sum"`, `"abs_sum"` or `"max_abs"`).

    Example:
      ```python
      from tensorboard_plugin_saliency import faithfulness

      ranks = faithfulness.pixel_ranks(masks, images)  # [N, H, W]
      most_salient = ranks < 0.1 * ranks[0].size  # each image's top 10% pixels
      ```
    """
    n, h, w = images.shape[:3]
    ((_, values),) = arrays.prepare_masks(masks, n, (h, w), channel_reduction)
    values = resize.resize(values, (h, w), "bilinear")
    order = np.argsort(-values.reshape(n, -1), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(h * w)[None, :], axis=1)
    return ranks.reshape(n, h, w)


def _scored(explained, score):
    """`explained`, scoring the class probability when `score` asks for it."""
    if score == "output":
        return explained
    if not explained.target.uses_classes:
        if score == "probability":
            raise ValueError(
                f"score: 'probability' needs class targets, got target={explained.target}; "
                "pass score='output'"
            )
        return explained
    target = targets.probability(already=score == "auto")
    return targets.Explained(target, explained.classes, explained.output)


def _fill(images, fill, blur):
    """float32 `[N, H, W, C]`: what removed pixels become."""
    if isinstance(fill, str):
        validate.choice("fill", fill, FILLS)
        if fill == "blur":
            return _blurred(images, blur)
        return np.broadcast_to(images.mean(axis=(1, 2), keepdims=True), images.shape).copy()
    if isinstance(fill, bool) or not isinstance(fill, (int, float)) or not np.isfinite(fill):
        raise ValueError(f"fill: expected a number, 'mean' or 'blur', got {fill!r}")
    return np.full(images.shape, fill, np.float32)


def _blurred(images, sigma):
    """The images blurred with a Gaussian of `sigma` pixels (zero padding); black at 0."""
    if sigma == 0:
        return np.zeros_like(images)
    n, h, w, c = images.shape
    rows = blur_matrices([float(sigma)], h)[0]
    cols = blur_matrices([float(sigma)], w)[0]
    # Two matrix products (BLAS), along the height, then along the width.
    y = np.matmul(rows, images.reshape(n, h, w * c)).reshape(n, h, w, c)
    y = np.matmul(cols, y.transpose(0, 2, 1, 3).reshape(n, w, h * c)).reshape(n, w, h, c)
    return np.ascontiguousarray(y.transpose(0, 2, 1, 3), dtype=np.float32)
