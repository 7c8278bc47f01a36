"""The methods under `tf.distribute`: the model inputs spread over a strategy's replicas
give the single-device results.

Two logical CPUs must be made before TensorFlow initialises its devices, long
done in this process, so the MirroredStrategy runs happen in a process of their
own (`helpers/distribute_worker.py`).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from methods_testing import CASES

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import engine

WORKER = os.path.join(os.path.dirname(__file__), "..", "helpers", "distribute_worker.py")


@pytest.fixture(scope="module")
def mirrored():
    """What `distribute_worker.py methods` reports: MirroredStrategy over 2 CPUs."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    done = subprocess.run(
        [sys.executable, WORKER, "methods"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_logical_cpus_are_two_replicas(mirrored):
    assert len(mirrored["devices"]) == 2
    assert mirrored["replicas"] == 2


@pytest.mark.parametrize("name", [name for name, _ in CASES])
def test_every_method_equals_the_single_device_result(mirrored, name):
    # explicit: strategy=; scope: inside strategy.scope(); chunked: batch_size=2,
    # several chunks of 2 rows per replica, the last one padded.
    errors = mirrored["errors"][name]
    assert set(errors) == {"explicit", "scope", "chunked"}
    for how, error in errors.items():
        assert error <= 1e-5, (how, error)


def test_every_kind_of_traced_function_ran_on_the_replicas(mirrored):
    # Each (points, backward, per_row) of the engine, the forward pass that
    # finds the predicted classes, and the layer activations (with and without
    # gradients) of the CAM methods.
    # Every key ends with what is explained: the class of each image, first output.
    explained = "('class', None)"
    assert mirrored["distributed"] == [
        f"_blur_points/(True, False, {explained})",
        "_masked_points/(False, False, ('probability (auto)', None))",  # Score-CAM
        f"_occluded_points/(False, False, {explained})",
        "forward/(None,)",
        f"image_points/(False, False, {explained})",
        f"image_points/(True, True, {explained})",
        f"layer forward/('conv2', {explained})",
        f"layer/('conv2', {explained})",
        f"line_points/(True, False, {explained})",
    ]


def test_one_replica_runs_the_single_device_path(model, images):
    single = methods.integrated_gradients(model, images, steps=4)
    for strategy in (
        tf.distribute.OneDeviceStrategy("/cpu:0"),
        tf.distribute.MirroredStrategy(["/cpu:0"]),
        tf.distribute.get_strategy(),  # the default strategy
    ):
        assert engine.resolve_strategy(strategy) is None
        explicit = methods.integrated_gradients(model, images, steps=4, strategy=strategy)
        np.testing.assert_array_equal(explicit, single)
    assert engine.resolve_strategy(None) is None  # outside any scope


def test_a_strategy_must_be_a_tf_distribute_strategy(model, images):
    with pytest.raises(TypeError, match="strategy: expected a tf.distribute.Strategy or None"):
        methods.gradients(model, images, strategy="mirrored")


def test_chunks_split_into_equal_replica_slices():
    for total, batch_size, replicas in [(1, 64, 2), (3, 2, 2), (15, 4, 3), (64, 16, 4), (7, 1, 2)]:
        parts = list(engine.chunks(total, batch_size, replicas))
        sizes = {len(rows) for rows, _ in parts}
        assert len(sizes) == 1
        size = sizes.pop()
        assert size % replicas == 0 and size <= batch_size * replicas
        covered = np.concatenate([rows[valid] for rows, valid in parts])
        np.testing.assert_array_equal(covered, np.arange(total))


def test_strategy_is_not_provenance():
    strategy = tf.distribute.get_strategy()
    assert "strategy" not in methods.method_params("gradients", strategy=strategy)
    assert "strategy" not in methods.default_params("smoothgrad")
