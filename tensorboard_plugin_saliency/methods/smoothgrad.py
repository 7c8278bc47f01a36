"""SmoothGrad (Smilkov et al. 2017) over any other method."""

import numpy as np

from tensorboard_plugin_saliency.methods import checks, pools


def _standard_normal(streams, shape):
    """float32 standard normal draws `[len(streams), *shape]`, one stream a row.

    NumPy lets go of the GIL while it draws, so the rows fill in parallel.
    """
    out = np.empty((len(streams),) + tuple(shape), np.float32)

    def fill(row):
        np.random.default_rng(streams[row]).standard_normal(shape, np.float32, out=out[row])

    list(pools.thread_pool("smoothgrad-noise").map(fill, range(len(streams))))
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


def compute(
    model,
    batch,
    base="gradients",
    nsamples=25,
    stdev_spread=0.15,
    magnitude=True,
    seed=None,
    noise=None,
    **base_params,
):
    """The average of method `base` over noisy copies of each image.

    The noise is Gaussian with stdev `stdev_spread * (max - min)` of each image
    (PAIR's convention). Sample `k` is drawn from its own stream, child `k` of
    `np.random.SeedSequence(seed)`, so results depend on `seed` but not on
    `batch_size` or on how many threads draw them. Noisy copies are made for at
    most about 4 * batch_size images at a time; the next group is drawn while the
    model runs. `noise` (`[nsamples, N, H, W, C]`, PyTorch's channels first) is
    added as it is instead.

    Returns:
      float32, the shape of `base`'s result.
    """
    from tensorboard_plugin_saliency.methods import table

    name, preset = table.base_name(base)
    if name in ("smoothgrad", "xrai"):
        raise TypeError(
            f"base: expected a saliency method such as gradients or integrated_gradients, "
            f"got {name}"
            + (
                "; XRAI ranks regions of each image and averaging its maps over noisy "
                "copies means little. For XRAI over SmoothGrad attributions, pass "
                "xrai(..., base=functools.partial(smoothgrad, base=integrated_gradients))"
                if name == "xrai"
                else ""
            )
        )
    base_method = table.METHODS[name]
    base_params = {**base_method.defaults, **preset, **base_params}
    nsamples = checks.check_count("nsamples", nsamples)
    ops = model.ops
    x = ops.numpy(batch.images)
    n = x.shape[0]
    if noise is not None:
        noise = _check_noise(model.channels_last(np.asarray(noise, np.float32)), nsamples, x.shape)
    streams = np.random.SeedSequence(seed).spawn(nsamples)
    stdev = stdev_spread * (x.max(axis=(1, 2, 3)) - x.min(axis=(1, 2, 3)))
    stdev = stdev.reshape([n, 1, 1, 1]).astype(np.float32)
    groups = -(-nsamples * n // (4 * model.batch_size))
    group = -(-nsamples // groups)  # Samples per base call, balanced.
    starts = list(range(0, nsamples, group))

    def draw(start):  # The noise of samples start .. start + group.
        if noise is not None:
            return noise[start : start + group].copy()
        return _standard_normal(streams[start : start + group], x.shape) * stdev

    prefetch = pools.thread_pool("smoothgrad-next", max_workers=1)
    total = 0.0
    pending = prefetch.submit(draw, starts[0])
    for following in starts[1:] + [None]:
        noisy = pending.result()
        if following is not None:  # Draw the next group while the model runs.
            pending = prefetch.submit(draw, following)
        count = len(noisy)
        noisy += x
        copies = batch.again(ops.constant(noisy.reshape((count * n,) + x.shape[1:])), count, ops)
        attributions = base_method.run(model, copies, base_params)
        if magnitude:
            attributions = np.square(attributions)
        total += attributions.reshape((count, n) + attributions.shape[1:]).sum(0)
    return (total / nsamples).astype(np.float32)
