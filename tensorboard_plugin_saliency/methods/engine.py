"""The engine under every method: a virtual batch of model inputs, run in chunks.

A method says how to make model input k of image i (a path step, a noisy copy, an
occluded copy: a *points* function); `over_points` lays those inputs out as one long
virtual batch, runs it through a traced `tf.function` in equal chunks of at most
`batch_size` rows, and returns `sum_k weight * d score[target] / d input` per image
(or, gradient-free, every row's score). Traced functions are cached per model and
reused while the shapes stay the same; thread pools are made on first use.

Under a `tf.distribute.Strategy` with more than one replica on this worker, each
chunk is split into equal per-replica slices that run with `strategy.run` inside
one traced function, and the replicas' results are gathered back in order (or
summed). Only the local worker's replicas take part and no collective op runs, so
under `MultiWorkerMirroredStrategy` one worker may compute alone (the callback
computes on the chief only) without waiting for the others. Without a strategy,
or with one replica per worker, the plain single-device path runs.
"""

import weakref

import numpy as np
import tensorflow as tf

from tensorboard_plugin_saliency.methods import targets as _targets
from tensorboard_plugin_saliency.methods.adapter import image_points  # noqa: F401
from tensorboard_plugin_saliency.methods.pools import _POOLS, thread_pool  # noqa: F401
from tensorboard_plugin_saliency.methods.replicas import (  # noqa: F401 (the engine's API)
    local_replicas,
    replicated,
    resolve_strategy,
)
from tensorboard_plugin_saliency.methods.table import DEFAULT_BATCH_SIZE  # noqa: F401
from tensorboard_plugin_saliency.methods.tf_ops import OPS

TRACED = weakref.WeakKeyDictionary()
"""model -> {key: tf.function}: the traced functions of each model."""


def traced(model, key, build):
    """Returns the cached `build(model_ref)` for (model, key).

    The traced function reaches the model through a weak reference so that the
    cache does not keep models alive.
    """
    try:
        cache = TRACED.setdefault(model, {})
    except TypeError:  # Not weak-referenceable: trace per call.
        return build(lambda: model)
    if key not in cache:
        cache[key] = _distinct(build(weakref.ref(model)))
    return cache[key]


def _distinct(fn):
    """`fn`, marked as a function of its own for TensorFlow's retracing warning.

    TensorFlow counts traces per Python code object, not per `tf.function`, so the
    functions `traced` builds for different models and keys from one closure (each
    traced once, by design) would read as one function retracing. Traces per
    function are counted by `experimental_get_tracing_count` (tests check them).
    """
    if hasattr(fn, "_omit_frequent_tracing_warning"):
        fn._omit_frequent_tracing_warning = True
    return fn


def call(model, x):
    """The model's scores [rows, classes] for inputs x."""
    outputs = model(x, training=False) if isinstance(model, tf.keras.Model) else model(x)
    if isinstance(outputs, (list, tuple)):
        outputs = outputs[0]
    outputs = tf.convert_to_tensor(outputs)
    if outputs.shape.rank != 2:
        raise ValueError(
            f"model: expected outputs of shape [N, classes], got shape {tuple(outputs.shape)}"
        )
    return outputs


def chunks(total, batch_size, replicas=1):
    """Splits range(total) into equal chunks of at most batch_size rows per replica.

    Yields (rows, valid). The last chunk is padded with row 0 (valid False), so
    all chunks have one static shape: the traced functions trace once, and on
    CPU they run markedly faster with static shapes than with a None batch. With
    `replicas` > 1, a chunk holds at most `replicas * batch_size` rows and its
    size is a multiple of `replicas`, so that it splits into equal slices.
    """
    size = -(-total // -(-total // (batch_size * replicas)))
    if replicas > 1:
        size = -(-size // replicas) * replicas
    for start in range(0, total, size):
        rows = np.arange(start, start + size)
        valid = rows < total
        yield np.where(valid, rows, 0), valid


def forward(model, images, batch_size, strategy=None, output=None):
    """The model's scores [N, classes] for images (of output `output` of several).

    `strategy`: the `tf.distribute.Strategy` whose local replicas share the
    images; None: the enclosing scope's (see `resolve_strategy`).
    """
    strategy = resolve_strategy(strategy)

    def scores(ref):
        pick = outputs_of(_targets.Explained(_targets.classes(), None, output), ref())
        return lambda x: call(lambda y: pick(y), x)

    key = ("forward", output)
    if strategy is None:
        fn = traced(model, key, lambda ref: tf.function(scores(ref)))
    else:
        fn = traced(
            model,
            key + (strategy,),
            lambda ref: replicated(strategy, scores(ref), (0,), "concat"),
        )
    return tf.concat(
        [
            fn(tf.gather(images, rows))[: valid.sum()]
            for rows, valid in chunks(images.shape[0], batch_size, local_replicas(strategy))
        ],
        axis=0,
    )


def outputs_of(explained, model):
    """`x -> tensor`: the output `explained`'s target scores, of `model` (or of the
    layer it names)."""
    if explained.target.layer is not None:
        sub = tf.keras.Model(model.inputs, find_layer(model, explained.target.layer).output)
        return lambda x: sub(x, training=False)
    output = explained.output
    if isinstance(output, str) and isinstance(getattr(model, "output_names", None), list):
        names = model.output_names
        output = names.index(output) if output in names and len(names) > 1 else output
    keras = isinstance(model, tf.keras.Model)
    explained = _targets.Explained(explained.target, None, output)

    def run(x):
        return _targets.scored_output(model(x, training=False) if keras else model(x), explained)

    return run


def find_layer(model, layer):
    """The layer `layer` (a layer or a name) of Keras model `model`."""
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"target: a layer target needs a Keras model, got {type(model).__name__}")
    for candidate in model._flatten_layers(include_self=False):
        if candidate is layer or candidate.name == layer:
            return candidate
    raise ValueError(
        f"layer: expected a layer of this model or its name, one of "
        f"{[c.name for c in layers]}; got {layer!r}"
    )


def _rows_fn(model, points, explained, backward, per_row=False, strategy=None):
    """The traced function behind over_points, for this model and `points`.

    It returns each row's target score (not `backward`), each row's weighted
    gradient (`per_row`), or those gradients summed per image. With a
    `strategy`, the rows (k, i, segment) are split across its local replicas.
    """

    def build(ref):
        outputs = outputs_of(explained, ref())

        def run(images, classes, k, i, segment, *aux):
            x, weights = points(OPS, images, k, i, *aux)
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(x)
                picked = explained.target.score(outputs(x), tf.gather(classes, i), OPS)
            if not backward:
                return picked
            grads = explained.target.modify(tape.gradient(picked, x), OPS) * weights
            if per_row:
                return grads
            n = tf.shape(images)[0]
            return tf.math.unsorted_segment_sum(grads, segment, n + 1)[:-1]

        if strategy is None:
            return tf.function(run)
        summed = backward and not per_row
        return replicated(strategy, run, (2, 3, 4), "sum" if summed else "concat")

    key = (points, backward, per_row, explained.key)
    return traced(model, key if strategy is None else key + (strategy,), build)


def gradients_of(model, points, explained, n, batch_size, strategy):
    """`(images, *aux) -> d score / d input` for `n` images, one model input each.

    The chunks' row indices are made once, for callers that run it again and
    again (a path that moves step by step). Chunks hold whole images in order,
    so their rows are the answer, with no per-image sum. Arguments as for
    `over_points`, with `strategy` already resolved.
    """
    fn = _rows_fn(model, points, explained, True, per_row=True, strategy=strategy)
    parts = [
        (tf.constant(rows * 0, tf.int32), tf.constant(rows, tf.int32), int(valid.sum()))
        for rows, valid in chunks(n, batch_size, local_replicas(strategy))
    ]

    def rows_of(images, k, i, count, aux):
        out = fn(images, explained.classes, k, i, i, *aux)
        return out if count == out.shape[0] else out[:count]

    def run(images, *aux):
        outs = [rows_of(images, k, i, count, aux) for k, i, count in parts]
        return outs[0] if len(outs) == 1 else tf.concat(outs, axis=0)

    return run


def over_points(
    model, points, images, explained, npoints, batch_size, *aux, backward=True, strategy=None
):
    """Runs `npoints` model inputs per image, for all images, in big batches.

    Row r of the virtual batch is point k = r // N of image i = r % N;
    `points(ops, images, k, i, *aux)` (traced) returns those rows' model inputs and
    weights (broadcastable to the inputs).

    Args:
      model: the model, a callable from `[rows, H, W, C]` to `[rows, classes]`.
      points: `(ops, images, k, i, *aux) -> (inputs, weights)`, traced.
      images: float32 tensor `[N, H, W, C]`.
      explained: what is explained in each image: the `targets.Explained` of a
        prepared `adapter.Batch`.
      npoints: model inputs per image.
      batch_size: largest number of rows per model call.
      *aux: tensors passed on to `points`.
      backward: whether to return gradients (else scores).
      strategy: the `tf.distribute.Strategy` whose local replicas share each
        chunk; None: the enclosing scope's (see `resolve_strategy`).

    Returns:
      `sum_k weight * d score / d input` per image `[N, H, W, C]` (a
      tensor) if `backward`, else every row's target score `[npoints * N]` (NumPy).
    """
    n = images.shape[0]
    strategy = resolve_strategy(strategy)
    replicas = local_replicas(strategy)
    if backward and npoints == 1:
        return gradients_of(model, points, explained, n, batch_size, strategy)(images, *aux)
    fn = _rows_fn(model, points, explained, backward, strategy=strategy)
    total, scores = 0.0, []
    for rows, valid in chunks(npoints * n, batch_size, replicas):
        k, i = np.divmod(rows, n)
        out = fn(
            images,
            explained.classes,
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
