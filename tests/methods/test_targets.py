"""What a method explains: class indices, or any score of any output (`target=`)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import targets as targets_module


def _regression(seed=0):
    """A small CNN with a 2-unit regression output (a steering angle and a speed)."""
    tf.keras.utils.set_random_seed(seed)
    inputs = tf.keras.Input((12, 12, 3))
    x = tf.keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    outputs = tf.keras.layers.Dense(2, name="steer")(x)
    return tf.keras.Model(inputs, outputs)


def _two_heads(seed=0):
    tf.keras.utils.set_random_seed(seed)
    inputs = tf.keras.Input((12, 12, 3))
    x = tf.keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    cls = tf.keras.layers.Dense(5, name="cls")(x)
    box = tf.keras.layers.Dense(4, name="box")(x)
    return tf.keras.Model(inputs, [cls, box])


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((3, 12, 12, 3)).astype(np.float32)


@pytest.mark.parametrize(
    "method,params",
    [
        (methods.gradients, {}),
        (methods.integrated_gradients, {"steps": 4}),
        (methods.smoothgrad, {"nsamples": 3, "seed": 1, "magnitude": False}),
        (methods.grad_cam, {}),
    ],
)
def test_increase_and_decrease_are_negatives(images, method, params):
    model = _regression()
    up = method(model, images, target=methods.increase(0), **params)
    down = method(model, images, target=methods.decrease(0), **params)
    if method is methods.grad_cam:  # relu(sum w A) keeps one side of each
        assert np.all((up == 0) | (down == 0))
    else:
        np.testing.assert_allclose(up, -down, rtol=1e-5, atol=1e-7)
    assert np.abs(up).max() > 0


def test_increase_is_the_gradient_of_that_unit(images):
    model = _regression()
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = model(x)[:, 1]
    expected = tape.gradient(score, x).numpy()
    np.testing.assert_allclose(
        methods.gradients(model, images, target=methods.increase(1)), expected, rtol=1e-5, atol=1e-8
    )
    # The same as a callable.
    np.testing.assert_allclose(
        methods.gradients(model, images, target=lambda outputs: outputs[:, 1]),
        expected,
        rtol=1e-5,
        atol=1e-8,
    )


def test_keep_ranks_by_small_changes(images):
    model = _regression()
    up = methods.gradients(model, images, target=methods.increase(0))
    np.testing.assert_allclose(
        methods.gradients(model, images, target=methods.keep(0)), -np.abs(up), rtol=1e-6
    )


def test_layer_filter_is_the_gradient_of_that_filters_mean(images):
    model = _regression()
    sub = tf.keras.Model(model.inputs, model.get_layer("conv").output)
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = tf.reduce_mean(sub(x)[..., 2], axis=(1, 2))
    expected = tape.gradient(score, x).numpy()
    for layer in ("conv", model.get_layer("conv")):
        got = methods.gradients(model, images, target=methods.layer_filter(layer, 2))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-8)


def test_output_picks_one_head_by_index_or_name(images):
    model = _two_heads()
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = model(x)[1][:, 3]
    expected = tape.gradient(score, x).numpy()
    for output in (1, "box"):
        got = methods.gradients(model, images, target=methods.increase(3), output=output)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-8)
    # Class targets of the first head by default, of a named head on request.
    cls = methods.gradients(model, images, targets=[0, 1, 2])
    named = methods.gradients(model, images, targets=[0, 1, 2], output="cls")
    np.testing.assert_allclose(cls, named, rtol=1e-6, atol=1e-9)
    cam = methods.grad_cam(model, images, target=methods.increase(3), output="box")
    assert cam.shape == (3, 10, 10)


def test_provenance_names_the_target():
    assert methods.method_params("gradients", target=methods.decrease(0)) == {
        "target": "decrease(0)"
    }
    params = methods.method_params("grad_cam", target=methods.layer_filter("conv", 5))
    assert params["target"] == "filter conv:5"
    assert "target" not in methods.method_params("gradients")


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"targets": [0, 0, 0], "target": methods.increase(0)}, ValueError, "not both"),
        ({"target": "steer"}, TypeError, "callable"),
        ({"target": methods.increase(7)}, Exception, None),
        ({"target": methods.layer_filter("conv", 9)}, ValueError, "4 channels"),
        ({"target": methods.layer_filter("nope", 0)}, ValueError, "layer of this model"),
        ({"target": methods.increase(0), "output": 3}, ValueError, "one output"),
    ],
)
def test_bad_targets_are_named(images, kwargs, error, match):
    with pytest.raises(error, match=match):
        methods.gradients(_regression(), images, **kwargs)


def test_helpers_check_their_arguments():
    with pytest.raises(TypeError, match="index"):
        methods.increase(-1)
    with pytest.raises(TypeError, match="filter"):
        methods.layer_filter("conv", "5")
    assert repr(targets_module.keep(2)) == "keep(2)"


RETRACING = textwrap.dedent("""
    import logging, sys
    import numpy as np
    import tensorflow as tf
    from tensorboard_plugin_saliency import methods, reader
    from tensorboard_plugin_saliency.callbacks import SaliencyCallback

    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([
        tf.keras.Input((12, 12, 3)),
        tf.keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
        tf.keras.layers.GlobalAveragePooling2D(),
        tf.keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 12, 12, 3)).astype(np.float32), rng.integers(0, 3, 32)
    # Several methods, several calls, new target objects each call ...
    for step in range(4):
        batch = x[:4] + 0.01 * step
        methods.gradients(model, batch)
        methods.smoothgrad(model, batch, nsamples=4, seed=step)
        methods.integrated_gradients(model, batch, steps=8)
        methods.grad_cam(model, batch, target=methods.decrease(0))
        methods.gradients(model, batch, target=methods.increase(1))
        methods.occlusion(model, batch, size=4)
        for name in ("grad_cam_plus_plus", "layer_cam", "score_cam", "ablation_cam", "eigen_cam"):
            methods.METHODS[name](model, batch, layer="conv")
    # ... and the callback over epochs.
    callback = SaliencyCallback(sys.argv[1], x[:4], y[:4], methods={
        "gradients": {},
        "smoothgrad": {"nsamples": 4},
        "integrated_gradients": {"steps": 8},
        "grad_cam": {"target": methods.layer_filter("conv", 1)},
        "ablation_cam": {},
        "score_cam": {"max_n": 2},
    })
    model.fit(x, y, epochs=4, batch_size=8, verbose=0, callbacks=[callback])
    callback.close()
    from tensorboard_plugin_saliency.methods import engine
    traces = {str(k): f.experimental_get_tracing_count() for k, f in engine.TRACED[model].items()}
    print(traces, file=sys.stderr)
    records = reader.read_saliency(sys.argv[1])
    target = records[-1].method_params["grad_cam"]["target"]
    print(max(traces.values()), [r.step for r in records], target)
""")


def test_methods_and_callback_trace_once(tmp_path):
    """As the README calls them (several methods, several calls, the callback over
    epochs), in a fresh interpreter: TensorFlow warns about no retracing."""
    result = subprocess.run(
        [sys.executable, "-c", RETRACING, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # Each traced function traced once (twice at most: smoothgrad's last, smaller group).
    most, steps = result.stdout.strip().split(" ", 1)
    assert int(most) <= 2, result.stderr[-2000:]
    assert steps.endswith("[1, 2, 3, 4] filter conv:1"), result.stdout
    retracing = [line for line in result.stderr.splitlines() if "retracing" in line]
    assert retracing == []
