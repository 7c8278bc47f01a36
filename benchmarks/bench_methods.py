"""Benchmark of tensorboard_plugin_saliency.methods on a small CNN (CPU).

Prints one row per figure: value, target, pass/fail.

- "vs PAIR": our time per image / PAIR saliency 0.2.1's (GetSmoothedMask over
  GradientSaliency, IntegratedGradients.GetMask, both with their defaults: 25
  samples / 25 steps, one image and, for IG, one step per model call), with the
  eager call_model_function of PAIR's TF2 example (the target row), and again
  with a traced tf.function call_model_function (an "info" row: there the gap
  is batching alone, bounded by the batching floor printed below the table).
- "vs fwd+bwd": a method's time / the time of plain batched forward+backward
  passes (tf.function + GradientTape, same batch size) over the same number of
  model inputs, already built in memory. Occlusion runs forward passes only;
  guided Grad-CAM runs two passes per image (Grad-CAM's and guided backprop's).

Timings are medians of repeats after a warm-up call (which traces).
Usage: python benchmarks/bench_methods.py [--quick]
"""

import argparse
import functools
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import keras  # pylint: disable=g-import-not-at-top
import numpy as np
import saliency.core as saliency
import tensorflow as tf

from tensorboard_plugin_saliency import faithfulness, methods
from tensorboard_plugin_saliency.methods import xrai_segments
from tensorboard_plugin_saliency.methods.keras_model import KerasModel

METHODS = methods.METHODS

SIZE, CLASSES, BATCH, BATCH_SIZE = 64, 100, 16, 64


def make_model():
    """A small ImageNet-style CNN: conv-BN-ReLU blocks, strided, GAP, dense."""
    keras.utils.set_random_seed(0)
    layers = [keras.Input((SIZE, SIZE, 3))]
    for filters, stride in [(16, 2), (32, 1), (32, 2), (64, 1), (64, 2), (128, 1)]:
        layers += [
            keras.layers.Conv2D(filters, 3, stride, "same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
        ]
    layers += [keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(CLASSES)]
    return keras.Sequential(layers)


def compare(fn, reference, repeats):
    """(median time of fn, median of fn's time / reference's time).

    Runs are interleaved, so that load from other processes hits both alike.
    """
    fn(), reference()  # Warm-up: traces.
    times, ratios = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        middle = time.perf_counter()
        reference()
        times.append(middle - start)
        ratios.append((middle - start) / (time.perf_counter() - middle))
    return statistics.median(times), statistics.median(ratios)


def reference_pass(model, batch_size):
    """Plain forward+backward over prebuilt inputs, batch_size at a time."""

    @tf.function(reduce_retracing=True)
    def step(x, t):
        with tf.GradientTape() as tape:
            tape.watch(x)
            score = tf.gather(model(x, training=False), t, batch_dims=1)
        return tape.gradient(score, x)

    @tf.function(reduce_retracing=True)
    def forward(x, t):
        return tf.gather(model(x, training=False), t, batch_dims=1)

    def run(inputs, targets, backward=True):
        fn = step if backward else forward
        for start in range(0, len(inputs), batch_size):
            fn(inputs[start : start + batch_size], targets[start : start + batch_size]).numpy()

    return run


def pair_example_call_model_function(model):
    """The call_model_function of PAIR's TF2 example notebook: eager GradientTape."""

    def call(x, call_model_args=None, expected_keys=None):
        del expected_keys
        x = tf.convert_to_tensor(np.asarray(x, np.float32))
        with tf.GradientTape() as tape:
            tape.watch(x)
            score = model(x, training=False)[:, call_model_args["target"]]
        return {saliency.INPUT_OUTPUT_GRADIENTS: tape.gradient(score, x).numpy()}

    return call


def pair_call_model_function(model):
    """A faster call_model_function than PAIR's example: a traced tf.function."""

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, SIZE, SIZE, 3]),
            tf.TensorSpec([], tf.int32),
        ]
    )
    def grads(x, target):
        with tf.GradientTape() as tape:
            tape.watch(x)
            score = model(x, training=False)[:, target]
        return tape.gradient(score, x)

    def call(x, call_model_args=None, expected_keys=None):
        del expected_keys
        x = tf.constant(np.asarray(x, np.float32))
        return {saliency.INPUT_OUTPUT_GRADIENTS: grads(x, call_model_args["target"]).numpy()}

    return call


def segment_all(images):
    """Each image's XRAI regions, and the seconds the segmentation took."""
    start = time.perf_counter()
    regions = [xrai_segments.felzenszwalb_regions(image) for image in images]
    seconds = time.perf_counter() - start
    h, w = images.shape[1:3]
    segments = []
    for image_regions in regions:
        masks = []
        for pixels in image_regions:
            mask = np.zeros(h * w, bool)
            mask[pixels] = True
            masks.append(mask.reshape(h, w))
        segments.append(masks)
    return segments, seconds


def localisation_rows(model, images, targets, repeats):
    """Rows: the localisation scores (`faithfulness.localisation`, the pointing game
    with a 4-pixel tolerance, the random baseline once) of 4 masks of the batch,
    against a box per image, / the time those masks take: the Keras callback's
    default methods (SmoothGrad and IG with 25 samples / steps, as above) and
    Grad-CAM (the target), then the same scores / 4 single-pass masks (info)."""
    rng = np.random.default_rng(1)
    regions = np.zeros((BATCH, SIZE, SIZE), bool)
    for region in regions:
        y, x = rng.integers(0, SIZE // 2, 2)
        region[y : y + rng.integers(8, SIZE // 2), x : x + rng.integers(8, SIZE // 2)] = True
    rows = []
    for sets, target in [
        (
            [
                ("gradients", {}),
                ("smoothgrad", {"nsamples": 25, "seed": 0}),
                ("integrated_gradients", {"steps": 25}),
                ("grad_cam", {}),
            ],
            0.05,
        ),
        (
            [
                ("gradients", {}),
                ("gradient_x_input", {}),
                ("grad_cam", {}),
                ("guided_backprop", {}),
            ],
            None,
        ),
    ]:

        def compute(sets=sets):
            return [
                METHODS[name](model, images, targets, batch_size=BATCH_SIZE, **params)
                for name, params in sets
            ]

        masks = compute()

        def score(masks=masks):
            for i, mask in enumerate(masks):
                faithfulness.localisation(mask, regions, tolerance=4, random_baseline=i == 0)

        _, ratio = compare(score, compute, repeats)
        names = ", ".join(name for name, _ in sets)
        rows.append(
            (
                f"localisation scores of {BATCH} images x 4 masks / computing them ({names})",
                ratio,
                target,
                "info" if target is None else "pass" if ratio <= target else "FAIL",
            )
        )
    return rows


def road_rows(model, images, targets, reference, repeats):
    """Rows: ROAD (`faithfulness.road`, its defaults: 9 percentages, MoRF and LeRF,
    the random baseline, noisy linear imputation) of the batch's Grad-CAM masks / the
    forward passes it runs (the images as they are, then one per image, order and
    percentage: 37 per image) alone, over inputs built in memory (the target); then
    its imputation alone (its time less those passes' time), per imputed image (info)."""
    from tensorboard_plugin_saliency.faithfulness.road import PERCENTAGES

    mask = METHODS["grad_cam"](model, images, targets)
    count = (1 + 4 * len(PERCENTAGES)) * BATCH
    seconds, ratio = compare(
        functools.partial(faithfulness.road, model, images, mask, targets, batch_size=BATCH_SIZE),
        functools.partial(
            reference,
            tf.constant(np.resize(images, (count, SIZE, SIZE, 3))),
            tf.constant(np.resize(targets, count)),
            False,
        ),
        repeats,
    )
    target = 1.3
    imputing = (seconds - seconds / ratio) / (count - BATCH)
    return [
        (
            f"road(9 percentages, random baseline) / fwd over {count} inputs",
            ratio,
            target,
            "pass" if ratio <= target else "FAIL",
        ),
        (
            "  road's imputation (its time less the fwd), ms per imputed image",
            imputing * 1e3,
            None,
            "info",
        ),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2 repeats instead of 3, PAIR on 4 images, not 8",
    )
    args = parser.parse_args()
    repeats = 2 if args.quick else 3
    pair_images = 4 if args.quick else 8

    model = make_model()
    images = np.random.default_rng(0).random((BATCH, SIZE, SIZE, 3), np.float32)
    targets = model(images).numpy().argmax(1).astype(np.int32)
    reference = reference_pass(model, BATCH_SIZE)

    rows = []

    def add(figure, value, target):
        rows.append((figure, value, target, "pass" if value <= target else "FAIL"))

    cases = [  # name, params, model inputs, backward?
        ("gradients", {}, BATCH, True),
        ("gradient_x_input", {}, BATCH, True),
        ("smoothgrad", {"nsamples": 25, "seed": 0}, 25 * BATCH, True),
        ("integrated_gradients", {"steps": 25}, 25 * BATCH, True),
        ("blur_integrated_gradients", {"steps": 100}, 100 * BATCH, True),
        ("grad_cam", {}, BATCH, True),
        ("hires_cam", {}, BATCH, True),
        ("grad_cam_elementwise", {}, BATCH, True),
        ("grad_cam_plus_plus", {}, BATCH, True),
        ("xgrad_cam", {}, BATCH, True),
        ("layer_cam", {}, BATCH, True),
        ("eigen_grad_cam", {}, BATCH, True),
        ("eigen_cam", {}, BATCH, False),
        # Score-CAM: one forward for the activations, one per channel (128) and image.
        ("score_cam", {}, BATCH * (1 + 128), False),
        ("score_cam", {"max_n": 16}, BATCH * (1 + 16), False),
        # Ablation-CAM: the activations, the unablated score, one per channel and image.
        ("ablation_cam", {"max_n": 16}, BATCH * (2 + 16), False),
        # FullGrad: the input gradients, then every biased layer's output gradients.
        ("full_grad", {}, BATCH, True),
        ("occlusion", {"size": 15, "stride": 4}, BATCH * (1 + 13 * 13), False),
        ("guided_backprop", {}, BATCH, True),
        ("deconvnet", {}, BATCH, True),
        ("guided_grad_cam", {}, 2 * BATCH, True),
        ("guided_integrated_gradients", {"steps": 200}, 200 * BATCH, True),
        # XRAI's model work (IG from two baselines); its segmentation is timed below.
        ("xrai", {"steps": 100, "segments": "given"}, 2 * 100 * BATCH, True),
    ]
    segments, segmentation = segment_all(images)
    # Guided IG's path is adaptive: each step needs the last one's gradients, so its
    # floor is one model call of BATCH rows per step (not batches of BATCH_SIZE): the
    # traced function it calls, 200 times in sequence, with nothing in between.
    adapter = KerasModel(model, BATCH_SIZE)
    step_gradients = adapter.gradient_function(adapter.prepare(images, targets))

    def floor():
        for _ in range(200):
            step_gradients(tf.constant(images)).numpy()

    ours = {}
    for name, params, count, backward in cases:
        method = METHODS[name]
        inputs = tf.constant(np.resize(images, (count, SIZE, SIZE, 3)))
        reps = tf.constant(np.resize(targets, count))
        if params.get("segments") == "given":
            params = dict(params, segments=segments)
        ours[name], ratio = compare(
            functools.partial(method, model, images, targets, batch_size=BATCH_SIZE, **params),
            functools.partial(reference, inputs, reps, backward),
            repeats,
        )
        label = ", ".join(f"{k}={v}" for k, v in params.items() if k not in ("seed", "segments"))
        add(
            f"{name}({label}) / {'fwd+bwd' if backward else 'fwd'} over {count} inputs",
            ratio,
            1.3,
        )

    # Faithfulness: deletion and insertion, 20 steps, each with its random baseline:
    # 2 curves x 2 orders x 21 forward passes per image.
    mask = METHODS["gradients"](model, images, targets)
    count = 2 * 2 * 21 * BATCH
    _, curves_ratio = compare(
        lambda: [
            kind(model, images, mask, targets, steps=20, batch_size=BATCH_SIZE)
            for kind in (faithfulness.deletion, faithfulness.insertion)
        ],
        functools.partial(
            reference,
            tf.constant(np.resize(images, (count, SIZE, SIZE, 3))),
            tf.constant(np.resize(targets, count)),
            False,
        ),
        repeats,
    )
    add(
        f"deletion+insertion(steps=20, random baseline) / fwd over {count} inputs",
        curves_ratio,
        1.3,
    )

    rows.extend(localisation_rows(model, images, targets, repeats))
    rows.extend(road_rows(model, images, targets, reference, repeats))

    _, path_ratio = compare(
        functools.partial(
            METHODS["guided_integrated_gradients"], model, images, targets, steps=200
        ),
        floor,
        repeats,
    )
    _, floor_ratio = compare(
        floor,
        functools.partial(
            reference,
            tf.constant(np.resize(images, (200 * BATCH, SIZE, SIZE, 3))),
            tf.constant(np.resize(targets, 200 * BATCH)),
            True,
        ),
        repeats,
    )
    rows.append(
        (
            "  guided IG's floor: 200 sequential calls of 16 rows / fwd+bwd over 3200 inputs",
            floor_ratio,
            None,
            "info",
        )
    )
    rows.append(
        (
            "  guided IG / its floor (the path update's share)",
            path_ratio,
            None,
            "info",
        )
    )
    rows.append(
        (
            "xrai segmentation (Felzenszwalb at 6 scales, NumPy/scikit-image), ms per image",
            segmentation * 1e3 / BATCH,
            None,
            "info",
        )
    )

    # Ours vs PAIR, time per image: PAIR as its TF2 example runs it (the target),
    # then PAIR with a traced call_model_function (for context: only batching differs).
    pair_per_image = {}
    for call_name, call in [
        ("PAIR example", pair_example_call_model_function(model)),
        ("PAIR traced", pair_call_model_function(model)),
    ]:
        pair = {
            "smoothgrad": lambda x, t, call=call: saliency.GradientSaliency().GetSmoothedMask(
                x, call, {"target": t}
            ),
            "integrated_gradients": lambda x, t, call=call: saliency.IntegratedGradients().GetMask(
                x, call, {"target": t}
            ),
        }
        labels = {
            "smoothgrad": f"SmoothGrad(25) / {call_name} GetSmoothedMask",
            "integrated_gradients": f"IG(25) / {call_name} IG GetMask",
        }
        for name, params, _, _ in cases[2:4]:
            ours_time, ratio = compare(
                functools.partial(
                    methods.METHODS[name], model, images, targets, batch_size=BATCH_SIZE, **params
                ),
                lambda run=pair[name]: [
                    run(x, int(t)) for x, t in zip(images[:pair_images], targets[:pair_images])
                ],
                repeats,
            )
            pair_per_image[f"{name} ({call_name})"] = ours_time / ratio / pair_images
            value = ratio * pair_images / BATCH
            if call_name == "PAIR example":
                add(f"{labels[name]}, per image", value, 0.2)
            else:
                rows.append((f"{labels[name]}, per image", value, 0.2, "info"))

    # Context for the PAIR rows: how much batching alone gains on this machine.
    one_by_one = reference_pass(model, 1)
    inputs = tf.constant(np.resize(images, (100, SIZE, SIZE, 3)))
    reps = tf.constant(np.resize(targets, 100))
    _, batching = compare(
        lambda: reference(inputs, reps), lambda: one_by_one(inputs, reps), repeats
    )

    print(
        f"model: {model.count_params():,} params, input {SIZE}x{SIZE}x3, "
        f"{CLASSES} classes; batch of {BATCH} images; batch_size={BATCH_SIZE}; "
        f"tf {tf.__version__}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; median of {repeats}"
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>7}  {'target':>7}  result")
    for figure, value, target, result in rows:
        bound = "-" if target is None else "<= " + str(target)
        print(f"{figure:<{width}}  {value:7.3f}  {bound:>7}  {result}")
    print(
        f"plain fwd+bwd per input, batches of {BATCH_SIZE} / batches of 1: "
        f"{batching:.3f} (a floor for the PAIR rows, which also pay for "
        f"noise and path inputs)"
    )
    print(
        "absolute: "
        + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in ours.items())
        + "; PAIR per image: "
        + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in pair_per_image.items())
    )
    return 0 if all(r[3] != "FAIL" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
