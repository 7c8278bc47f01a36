"""Batched saliency methods for TF2 / Keras models.

A *model* is any callable mapping a float32 batch `[N, H, W, C]` to scores
`[N, classes]` (logits or probabilities). Every method has the form

    method(model, images, targets=None, **params) -> np.ndarray (float32)

where `images` is `[N, H, W, C]` and `targets` holds one class index per image
(default: the model's predicted class). Attributions have the shape of
`images`, except Grad-CAM's, which are `[N, h, w]` at the layer's resolution.

The algorithms follow PAIR's `saliency.core` 0.2.1 (same defaults, same
formulas); the difference is execution. PAIR explains one image at a time and
calls the model once per noise sample, path step or occlusion window. Here all
of those model inputs, for all images, form one long virtual batch that runs
through a traced `tf.function` in equal chunks of at most `batch_size` inputs,
so the memory stays bounded and the model sees large batches. Traced functions
are cached per model and reused while the shapes stay the same.

Most methods are a few lines over one core, `_over_points`: a method says how
to make model input k of image i (a path step, a noisy copy, an occluded
copy), and the core returns `sum_k weight * d score[target] / d input` per
image (or, gradient-free, every input's score).
This module imports TensorFlow; the package's `__init__` does not import it.
"""

import inspect
import math
import os
import weakref
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf

DEFAULT_BATCH_SIZE = 64
"""Largest number of model inputs per model call."""


# ---------------------------------------------------------------------------
# Input checking.


def _check_images(images):
    """Returns `images` as a float32 tensor `[N, H, W, C]`."""
    try:
        images = tf.convert_to_tensor(images)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"images: expected a numeric array [N, H, W, C], got "
            f"{type(images).__name__} ({e})"
        ) from None
    if not (images.dtype.is_floating or images.dtype.is_integer):
        raise TypeError(
            f"images: expected a numeric array, got dtype " f"{images.dtype.name}"
        )
    if images.shape.rank != 4:
        raise ValueError(
            f"images: expected shape [N, H, W, C], got shape " f"{tuple(images.shape)}"
        )
    if images.shape[0] == 0:
        raise ValueError(
            "images: expected at least one image, got shape " f"{tuple(images.shape)}"
        )
    return tf.cast(images, tf.float32)


def _check_model(model):
    if not callable(model):
        raise TypeError(
            f"model: expected a callable (e.g. a Keras model) mapping "
            f"[N, H, W, C] to [N, classes], got {type(model).__name__}"
        )


def _check_count(name, value):
    """Checks that a count parameter (steps, nsamples, ...) is an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{name}: expected an int >= 1, got {value}")
    return int(value)


def _num_classes(model):
    """The model's number of classes when Keras knows it, else None."""
    try:
        shape = tuple(model.outputs[0].shape)
    except Exception:  # pylint: disable=broad-except  # Not a built Keras model.
        return None
    return int(shape[1]) if len(shape) == 2 and shape[1] is not None else None


def _check_targets(model, images, targets, batch_size):
    """Returns targets as an int32 tensor [N]; None means argmax predictions."""
    n = images.shape[0]
    if targets is None:
        return tf.cast(tf.argmax(_forward(model, images, batch_size), axis=1), tf.int32)
    targets = np.asarray(targets)
    if targets.dtype == bool or not np.issubdtype(targets.dtype, np.integer):
        raise TypeError(
            f"targets: expected class indices (ints), got dtype " f"{targets.dtype}"
        )
    if targets.ndim == 0:
        targets = np.full([n], targets)
    if targets.shape != (n,):
        raise ValueError(
            f"targets: expected {n} class indices (one per image), "
            f"got shape {targets.shape}"
        )
    classes = _num_classes(model)
    if targets.min() < 0 or (classes is not None and targets.max() >= classes):
        raise ValueError(
            f"targets: expected class indices in [0, "
            f"{classes if classes is not None else 'classes'}), got "
            f"{targets.min()}..{targets.max()}"
        )
    return tf.constant(targets, tf.int32)


# ---------------------------------------------------------------------------
# The core: a virtual batch of model inputs, run in chunks through traced
# functions that are cached per model and retrace only for new shapes.

_TRACED = weakref.WeakKeyDictionary()  # model -> {key: tf.function}


def _traced(model, key, build):
    """Returns the cached `build(model_ref)` for (model, key).

    The traced function reaches the model through a weak reference so that the
    cache does not keep models alive.
    """
    try:
        cache = _TRACED.setdefault(model, {})
    except TypeError:  # Not weak-referenceable: trace per call.
        return build(lambda: model)
    if key not in cache:
        cache[key] = build(weakref.ref(model))
    return cache[key]


def _call(model, x):
    """The model's scores [rows, classes] for inputs x."""
    outputs = (
        model(x, training=False) if isinstance(model, tf.keras.Model) else model(x)
    )
    if isinstance(outputs, (list, tuple)):
        outputs = outputs[0]
    outputs = tf.convert_to_tensor(outputs)
    if outputs.shape.rank != 2:
        raise ValueError(
            f"model: expected outputs of shape [N, classes], got "
            f"shape {tuple(outputs.shape)}"
        )
    return outputs


def _chunks(total, batch_size):
    """Splits range(total) into equal chunks of at most batch_size rows.

    Yields (rows, valid). The last chunk is padded with row 0 (valid False), so
    all chunks have one static shape: the traced functions trace once, and on
    CPU they run markedly faster with static shapes than with a None batch.
    """
    size = -(-total // -(-total // batch_size))
    for start in range(0, total, size):
        rows = np.arange(start, start + size)
        valid = rows < total
        yield np.where(valid, rows, 0), valid


def _forward(model, images, batch_size):
    """The model's scores [N, classes] for images."""
    fn = _traced(model, "forward", lambda ref: tf.function(lambda x: _call(ref(), x)))
    return tf.concat(
        [
            fn(tf.gather(images, rows))[: valid.sum()]
            for rows, valid in _chunks(images.shape[0], batch_size)
        ],
        axis=0,
    )


def _rows_fn(model, points, backward, per_row=False):
    """The traced function behind _over_points, for this model and `points`.

    It returns each row's target score (not `backward`), each row's weighted
    gradient (`per_row`), or those gradients summed per image.
    """

    def build(ref):
        @tf.function
        def run(images, targets, k, i, segment, *aux):
            x, weights = points(images, k, i, *aux)
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(x)
                picked = tf.gather(_call(ref(), x), tf.gather(targets, i), batch_dims=1)
            if not backward:
                return picked
            grads = tape.gradient(picked, x) * weights
            if per_row:
                return grads
            n = tf.shape(images)[0]
            return tf.math.unsorted_segment_sum(grads, segment, n + 1)[:-1]

        return run

    return _traced(model, (points, backward, per_row), build)


def _over_points(
    model, points, images, targets, npoints, batch_size, *aux, backward=True
):
    """Runs `npoints` model inputs per image, for all images, in big batches.

    Row r of the virtual batch is point k = r // N of image i = r % N;
    `points(images, k, i, *aux)` (traced) returns those rows' model inputs and
    weights (broadcastable to the inputs). Returns, per image,
    `sum_k weight * d score[target] / d input` [N, H, W, C] if `backward`,
    else every row's target score [npoints * N].
    """
    n = images.shape[0]
    if backward and npoints == 1:
        # One input per image: chunks hold whole images in order, so their rows
        # are the answer, with no per-image sum over an [N, H, W, C] buffer.
        fn = _rows_fn(model, points, backward, per_row=True)
        parts = []
        for rows, valid in _chunks(n, batch_size):
            out = fn(
                images,
                targets,
                tf.constant(rows, tf.int32) * 0,
                tf.constant(rows, tf.int32),
                tf.constant(rows, tf.int32),
                *aux,
            )
            parts.append(out[: int(valid.sum())])
        return tf.concat(parts, axis=0)
    fn = _rows_fn(model, points, backward)
    total, scores = 0.0, []
    for rows, valid in _chunks(npoints * n, batch_size):
        k, i = np.divmod(rows, n)
        out = fn(
            images,
            targets,
            tf.constant(k, tf.int32),
            tf.constant(i, tf.int32),
            tf.constant(np.where(valid, i, n), tf.int32),
            *aux,
        )
        if backward:
            total += out
        else:
            scores.append(out.numpy()[valid])
    return total if backward else np.concatenate(scores)


def _broadcast_baseline(baseline, images):
    """`baseline` (a number or an array) as a float32 tensor shaped like `images`."""
    try:
        return tf.broadcast_to(tf.cast(baseline, tf.float32), images.shape)
    except (ValueError, tf.errors.InvalidArgumentError):
        raise ValueError(
            f"baseline: expected a number or an array broadcastable to images "
            f"{tuple(images.shape)}, got shape {np.shape(baseline)}"
        ) from None


def _prepare(model, images, targets, batch_size):
    _check_model(model)
    images = _check_images(images)
    batch_size = _check_count("batch_size", batch_size)
    targets = _check_targets(model, images, targets, batch_size)
    return images, targets, batch_size


# Model inputs for each method: (images, k, i, *aux) -> (inputs, weights).


def _image_points(images, k, i):
    del k
    return tf.gather(images, i), 1.0


def _line_points(images, k, i, baseline, alphas):
    start = tf.gather(baseline, i)
    alpha = tf.reshape(tf.gather(alphas, k), [-1, 1, 1, 1])
    return start + alpha * (tf.gather(images, i) - start), 1.0


def _blur_points(images, k, i, blur_h, blur_w, dsigma, grad_step):
    x = tf.gather(images, i)
    rows, h, w, c = tf.unstack(tf.shape(x))

    def blur(s):  # s indexes the separable blur matrices; two batched matmuls.
        y = tf.reshape(
            tf.gather(blur_h, s) @ tf.reshape(x, [rows, h, w * c]), [rows, h, w, c]
        )
        y = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [rows, w, h * c])
        y = tf.reshape(tf.gather(blur_w, s) @ y, [rows, w, h, c])
        return tf.transpose(y, [0, 2, 1, 3])

    x_step = blur(k)
    slope = (blur(k + tf.shape(dsigma)[0]) - x_step) / grad_step
    return x_step, -tf.reshape(tf.gather(dsigma, k), [-1, 1, 1, 1]) * slope


def _occluded_points(images, k, i, covered_rows, covered_cols, fill):
    lefts = tf.shape(covered_cols)[0]
    mask = (
        tf.gather(covered_rows, k // lefts)[:, :, None]
        * tf.gather(covered_cols, k % lefts)[:, None, :]
    )[..., None]
    return tf.gather(images, i) * (1 - mask) + tf.gather(fill, i) * mask, 1.0


# ---------------------------------------------------------------------------
# Methods.


def gradients(model, images, targets=None, batch_size=DEFAULT_BATCH_SIZE):
    """Vanilla gradients: d score[target] / d input."""
    images, targets, batch_size = _prepare(model, images, targets, batch_size)
    return _over_points(model, _image_points, images, targets, 1, batch_size).numpy()


def gradient_x_input(model, images, targets=None, batch_size=DEFAULT_BATCH_SIZE):
    """Gradients times the input, elementwise."""
    images, targets, batch_size = _prepare(model, images, targets, batch_size)
    return (
        _over_points(model, _image_points, images, targets, 1, batch_size) * images
    ).numpy()


def integrated_gradients(
    model, images, targets=None, steps=25, baseline=None, batch_size=DEFAULT_BATCH_SIZE
):
    """Integrated Gradients (Sundararajan et al. 2017), as PAIR computes it.

    `sum_k grad(baseline + alpha_k (x - baseline)) * (x - baseline) / steps` with
    `alpha = linspace(0, 1, steps)` (both ends included). `baseline` defaults to
    zeros; it may be anything broadcastable to `images`.
    """
    images, targets, batch_size = _prepare(model, images, targets, batch_size)
    steps = _check_count("steps", steps)
    if baseline is None:
        baseline = tf.zeros_like(images)
    else:
        baseline = _broadcast_baseline(baseline, images)
    alphas = tf.constant(np.linspace(0, 1, steps), tf.float32)
    total = _over_points(
        model, _line_points, images, targets, steps, batch_size, baseline, alphas
    )
    return (total * (images - baseline) / steps).numpy()


def _blur_matrices(sigmas, length):
    """Matrices M [len(sigmas), L, L] with M[s] @ v = scipy's 1-D Gaussian blur.

    Same kernel as `scipy.ndimage.gaussian_filter1d(mode="constant")`
    (truncate=4, radius int(4 sigma + 0.5)); sigma 0 is the identity.
    """
    offsets = np.arange(length)[None, :] - np.arange(length)[:, None]
    mats = np.zeros([len(sigmas), length, length])
    for s, sigma in enumerate(sigmas):
        radius = int(4.0 * sigma + 0.5)
        if sigma <= 1e-15 or radius == 0:
            mats[s] = np.eye(length)
            continue
        kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
        kernel /= kernel.sum()
        inside = np.abs(offsets) <= radius
        mats[s][inside] = kernel[offsets[inside] + radius]
    return tf.constant(mats, tf.float32)


def blur_integrated_gradients(
    model,
    images,
    targets=None,
    steps=100,
    max_sigma=50.0,
    grad_step=0.01,
    sqrt=False,
    batch_size=DEFAULT_BATCH_SIZE,
):
    """Blur IG (Xu et al. 2020), as PAIR's `BlurIG` computes it.

    Integrates gradients along the path from a fully blurred image (Gaussian,
    sigma `max_sigma`) back to the image: sigmas `i * max_sigma / steps` (or
    their square roots with `sqrt=True`), i = 0..steps, and the path derivative
    is a finite difference with step `grad_step` in sigma. The blur is scipy's
    `gaussian_filter` (zero padding), done as two small matrix products.
    """
    images, targets, batch_size = _prepare(model, images, targets, batch_size)
    steps = _check_count("steps", steps)
    if not max_sigma > 0:
        raise ValueError(f"max_sigma: expected a number > 0, got {max_sigma!r}")
    if not grad_step > 0:
        raise ValueError(f"grad_step: expected a number > 0, got {grad_step!r}")
    sigmas = [float(i) * max_sigma / float(steps) for i in range(steps + 1)]
    if sqrt:
        sigmas = [math.sqrt(s) for s in sigmas]
    # Matrices for sigmas[k], then for sigmas[k] + grad_step, k < steps.
    both = sigmas[:-1] + [s + grad_step for s in sigmas[:-1]]
    _, h, w, _ = images.shape
    return _over_points(
        model,
        _blur_points,
        images,
        targets,
        steps,
        batch_size,
        _blur_matrices(both, h),
        _blur_matrices(both, w),
        tf.constant(np.diff(sigmas), tf.float32),
        tf.constant(grad_step, tf.float32),
    ).numpy()


_NOISE_THREADS = ThreadPoolExecutor(
    max_workers=os.cpu_count() or 1, thread_name_prefix="smoothgrad-noise"
)
_PREFETCH = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smoothgrad-next")


def _standard_normal(streams, shape):
    """float32 standard normal draws `[len(streams), *shape]`, one stream a row.

    NumPy lets go of the GIL while it draws, so the rows fill in parallel.
    """
    out = np.empty((len(streams),) + tuple(shape), np.float32)

    def fill(row):
        np.random.default_rng(streams[row]).standard_normal(
            shape, np.float32, out=out[row]
        )

    list(_NOISE_THREADS.map(fill, range(len(streams))))
    return out


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
    **base_params,
):
    """SmoothGrad (Smilkov et al. 2017) over any method `base`.

    Averages `base` over `nsamples` noisy copies of each image; the noise is
    Gaussian with stdev `stdev_spread * (max - min)` of that image (PAIR's
    convention). With `magnitude` the squared attributions are averaged.
    `noise` ([nsamples, N, H, W, C], added as is) replaces the random draws;
    otherwise sample `k` is drawn from its own stream, child `k` of
    `np.random.SeedSequence(seed)`, so results depend on `seed` but not on
    `batch_size` or on how many threads draw them. Extra keyword
    arguments go to `base` (e.g. `steps` for integrated_gradients). Noisy copies
    are made for at most about 4 * batch_size images at a time.
    """
    images, targets, batch_size = _prepare(model, images, targets, batch_size)
    nsamples = _check_count("nsamples", nsamples)
    if not callable(base) or base is smoothgrad:
        raise TypeError(
            f"base: expected a saliency method such as gradients or "
            f"integrated_gradients, got {base!r}"
        )
    x = images.numpy()
    n = x.shape[0]
    if noise is not None:
        noise = np.asarray(noise, np.float32)
        if noise.shape != (nsamples,) + x.shape:
            raise ValueError(
                f"noise: expected shape {(nsamples,) + x.shape} "
                f"([nsamples, N, H, W, C]), got {noise.shape}"
            )
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

    total = 0.0
    pending = _PREFETCH.submit(draw, starts[0])
    for index, start in enumerate(starts):
        noisy = pending.result()
        if index + 1 < len(starts):  # Draw the next group while the model runs.
            pending = _PREFETCH.submit(draw, starts[index + 1])
        count = len(noisy)
        noisy += x
        attributions = base(
            model,
            noisy.reshape((count * n,) + x.shape[1:]),
            tf.tile(targets, [count]),
            batch_size=batch_size,
            **base_params,
        )
        if magnitude:
            attributions = np.square(attributions)
        total += attributions.reshape((count, n) + attributions.shape[1:]).sum(0)
    return (total / nsamples).astype(np.float32)


def _find_conv_layer(model, layer):
    """The Keras layer for Grad-CAM: `layer` (name or object) or the last rank-4."""
    if not isinstance(model, tf.keras.Model):
        raise TypeError(
            f"model: grad_cam needs a Keras model, got " f"{type(model).__name__}"
        )
    rank4 = []
    for candidate in model.layers:
        try:
            if len(candidate.output.shape) == 4 and not isinstance(
                candidate, tf.keras.layers.InputLayer
            ):
                rank4.append(candidate)
        except (AttributeError, ValueError, TypeError):
            pass
    if layer is None:
        if not rank4:
            raise ValueError(
                "layer: the model has no layer with a rank-4 output "
                "[N, h, w, channels]; pass layer="
            )
        return rank4[-1]
    names = [l.name for l in rank4]
    if isinstance(layer, str):
        for candidate in rank4:
            if candidate.name == layer:
                return candidate
        raise ValueError(
            f"layer: expected the name of a layer with a rank-4 "
            f"output, one of {names}; got {layer!r}"
        )
    if any(layer is c for c in rank4):
        return layer
    raise ValueError(
        f"layer: expected a layer of this model with a rank-4 "
        f"output, one of {names}; got {layer!r}"
    )


def grad_cam(model, images, targets=None, layer=None, batch_size=DEFAULT_BATCH_SIZE):
    """Grad-CAM (Selvaraju et al. 2017) as PAIR computes it, unresized.

    For a convolutional layer's output A [h, w, channels] (default: the last
    layer with a rank-4 output), returns `relu(sum_c mean_hw(dS/dA_c) A_c)`
    `[N, h, w]`, neither normalised nor upsampled.
    """
    images, targets, batch_size = _prepare(model, images, targets, batch_size)
    conv = _find_conv_layer(model, layer)

    def build(ref):
        try:
            sub = tf.keras.Model(ref().inputs, [conv.output, ref().outputs[0]])
        except (AttributeError, ValueError) as e:
            raise TypeError(
                f"model: grad_cam needs a functional or Sequential "
                f"Keras model with a defined input ({e})"
            ) from None

        @tf.function
        def cam(x, t):
            with tf.GradientTape() as tape:
                acts, scores = sub(x, training=False)
                picked = tf.gather(scores, t, batch_dims=1)
            weights = tf.reduce_mean(tape.gradient(picked, acts), axis=(1, 2))
            return tf.nn.relu(tf.einsum("nhwc,nc->nhw", acts, weights))

        return cam

    fn = _traced(model, ("grad_cam", conv.name), build)
    return tf.concat(
        [
            fn(tf.gather(images, rows), tf.gather(targets, rows))[: valid.sum()]
            for rows, valid in _chunks(images.shape[0], batch_size)
        ],
        axis=0,
    ).numpy()


def occlusion(
    model,
    images,
    targets=None,
    size=15,
    stride=1,
    baseline=0.0,
    batch_size=DEFAULT_BATCH_SIZE,
):
    """Occlusion (Zeiler & Fergus 2014) as PAIR computes it.

    A `size` x `size` window filled with `baseline` (a number, or an array
    broadcastable to the images) slides over each image; every pixel under the
    window gains `score - occluded score`. `stride` is 1 by default, like PAIR
    (every window position: (H - size + 1) * (W - size + 1) forward passes per
    image); a larger stride is proportionally cheaper but covers the last rows
    and columns only if they fall on the stride grid. Gradient-free.
    """
    images, targets, batch_size = _prepare(model, images, targets, batch_size)
    n, h, w, channels = images.shape
    size = _check_count("size", size)
    stride = _check_count("stride", stride)
    if size > min(h, w):
        raise ValueError(
            f"size: expected a window of at most min(H, W) = "
            f"{min(h, w)} pixels, got {size}"
        )
    fill = _broadcast_baseline(baseline, images)
    tops = np.arange(0, h - size + 1, stride)
    lefts = np.arange(0, w - size + 1, stride)
    # Window k covers rows covered_rows[k // len(lefts)], columns
    # covered_cols[k % len(lefts)].
    covered_rows = (
        (np.arange(h) >= tops[:, None]) & (np.arange(h) < tops[:, None] + size)
    ).astype(np.float32)
    covered_cols = (
        (np.arange(w) >= lefts[:, None]) & (np.arange(w) < lefts[:, None] + size)
    ).astype(np.float32)
    original = _over_points(
        model, _image_points, images, targets, 1, batch_size, backward=False
    )
    occluded = _over_points(
        model,
        _occluded_points,
        images,
        targets,
        len(tops) * len(lefts),
        batch_size,
        tf.constant(covered_rows),
        tf.constant(covered_cols),
        fill,
        backward=False,
    )
    drops = (original - occluded.reshape([-1, n])).reshape([len(tops), len(lefts), n])
    heat = np.einsum("tln,th,lw->nhw", drops, covered_rows, covered_cols)
    return np.repeat(heat[..., None], channels, axis=3).astype(np.float32)


METHODS = {
    "gradients": gradients,
    "gradient_x_input": gradient_x_input,
    "smoothgrad": smoothgrad,
    "integrated_gradients": integrated_gradients,
    "blur_integrated_gradients": blur_integrated_gradients,
    "grad_cam": grad_cam,
    "occlusion": occlusion,
}
"""Method name -> function, for the Keras callback."""

_NOT_PROVENANCE = ("model", "images", "targets", "batch_size", "noise", "base_params")


def _jsonable(value):
    if callable(value):
        return getattr(value, "__name__", repr(value))
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, tf.Tensor)):
        return f"array{list(value.shape)}"
    return value


def method_params(name, **params):
    """JSON-friendly parameters of method `name`: its defaults, then `params`.

    For the callback's provenance, e.g. `method_params("smoothgrad")` ->
    `{"base": "gradients", "nsamples": 25, "stdev_spread": 0.15,
    "magnitude": True, "seed": None}`. For smoothgrad, the base method's
    parameters are included. `batch_size` and `noise` are left out (they do
    not describe the method).
    """
    if name not in METHODS:
        raise ValueError(f"name: expected one of {sorted(METHODS)}, got {name!r}")
    signature = inspect.signature(METHODS[name])
    out = {
        k: p.default
        for k, p in signature.parameters.items()
        if k not in _NOT_PROVENANCE and p.default is not inspect.Parameter.empty
    }
    if name == "smoothgrad":
        base = params.get("base", gradients)
        base_name = next((k for k, f in METHODS.items() if f is base), None)
        if base_name is not None and base_name != "smoothgrad":
            out.update(method_params(base_name))
    out.update(params)
    return {k: _jsonable(v) for k, v in out.items() if k not in _NOT_PROVENANCE}


def default_params(name):
    """The default parameters of method `name` (see method_params)."""
    return method_params(name)
