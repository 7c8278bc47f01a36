"""SmoothGrad (Smilkov et al. 2017) over any other method."""

import numpy as np
import tensorflow as tf

from tensorboard_plugin_saliency.methods import checks, engine
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE
from tensorboard_plugin_saliency.methods.gradients import gradients


def _standard_normal(streams, shape):
    """float32 standard normal draws `[len(streams), *shape]`, one stream a row.

    NumPy lets go of the GIL while it draws, so the rows fill in parallel.
    """
    out = np.empty((len(streams),) + tuple(shape), np.float32)

    def fill(row):
        np.random.default_rng(streams[row]).standard_normal(shape, np.float32, out=out[row])

    list(engine.thread_pool("smoothgrad-noise").map(fill, range(len(streams))))
    return out


def _check_noise(noise, nsamples, shape):
    """`noise` as float32 `[nsamples, N, H, W, C]`, or None."""
    if noise is None:
        return None
    noise = np.asarray(noise, np.float32)
    if noise.shape != (nsamples,) + shape:
        raise ValueError(
            f"noise: expected shape {(nsamples,) + shape} "
            f"([nsamples, N, H, W, C]), got {noise.shape}"
        )
    return noise


def _explained_again(explained, count):
    """`base`'s arguments that explain the same as `explained`, for `count` copies."""
    if explained.target.uses_classes:
        return {"targets": tf.tile(explained.classes, [count]), "output": explained.output}
    return {"targets": None, "target": explained.target, "output": explained.output}


def smoothgrad(
    model,
    images,
    targets=None,
    base=gradients,
    nsamples=25,
    stdev_spread=0.15,
    magnitude=True,
    seed=None,
    noise=None,
    batch_size=DEFAULT_BATCH_SIZE,
    strategy=None,
    target=None,
    output=None,
    **base_params,
):
    """The average of method `base` over noisy copies of each image.

    The noise is Gaussian with stdev `stdev_spread * (max - min)` of each image
    (PAIR's convention). Sample `k` is drawn from its own stream, child `k` of
    `np.random.SeedSequence(seed)`, so results depend on `seed` but not on
    `batch_size` or on how many threads draw them. Noisy copies are made for at
    most about 4 * batch_size images at a time; the next group is drawn while
    the model runs.

    Args:
      model, images, targets, batch_size, strategy, target, output: as for `gradients`; a strategy
        with several local replicas is passed on to `base` (so `base` must take
        `strategy=` then).
      base: the method averaged, e.g. `gradients` or `integrated_gradients`.
      nsamples: noisy copies per image (an int >= 1).
      stdev_spread: the noise's stdev as a share of each image's value range.
      magnitude: whether the squared attributions are averaged.
      seed: the seed of the noise (None: fresh entropy).
      noise: `[nsamples, N, H, W, C]` noise added as is, instead of random draws.
      **base_params: passed on to `base` (e.g. `steps` for integrated_gradients).

    Returns:
      float32, the shape of `base`'s result.

    Raises:
      TypeError, ValueError: an argument is not what the method takes.
    """
    images, targets, batch_size, strategy = checks.prepare(
        model, images, targets, batch_size, strategy, target, output
    )
    if strategy is not None:  # Else `base` runs on one device as well.
        base_params = dict(base_params, strategy=strategy)
    nsamples = checks.check_count("nsamples", nsamples)
    if not callable(base) or base is smoothgrad:
        raise TypeError(
            f"base: expected a saliency method such as gradients or "
            f"integrated_gradients, got {base!r}"
        )
    if getattr(base, "__name__", None) == "xrai":
        raise TypeError(
            "base: xrai ranks regions of each image; averaging its maps over noisy "
            "copies means little. For XRAI over SmoothGrad attributions, pass "
            "xrai(..., base=functools.partial(smoothgrad, base=integrated_gradients))"
        )
    x = images.numpy()
    n = x.shape[0]
    noise = _check_noise(noise, nsamples, x.shape)
    streams = np.random.SeedSequence(seed).spawn(nsamples)
    stdev = stdev_spread * (x.max(axis=(1, 2, 3)) - x.min(axis=(1, 2, 3)))
    stdev = stdev.reshape([n, 1, 1, 1]).astype(np.float32)
    groups = -(-nsamples * n // (4 * batch_size))
    group = -(-nsamples // groups)  # Samples per base call, balanced.
    starts = list(range(0, nsamples, group))

    def draw(start):  # The noise of samples start .. start + group.
        if noise is not None:
            return noise[start : start + group].copy()
        return _standard_normal(streams[start : start + group], x.shape) * stdev

    prefetch = engine.thread_pool("smoothgrad-next", max_workers=1)
    total = 0.0
    pending = prefetch.submit(draw, starts[0])
    for following in starts[1:] + [None]:
        noisy = pending.result()
        if following is not None:  # Draw the next group while the model runs.
            pending = prefetch.submit(draw, following)
        count = len(noisy)
        noisy += x
        attributions = base(
            model,
            noisy.reshape((count * n,) + x.shape[1:]),
            **_explained_again(targets, count),
            batch_size=batch_size,
            **base_params,
        )
        if magnitude:
            attributions = np.square(attributions)
        total += attributions.reshape((count, n) + attributions.shape[1:]).sum(0)
    return (total / nsamples).astype(np.float32)
