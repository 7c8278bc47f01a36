"""SaliencyCallback under tf.distribute: each epoch's step written once, by the chief only.

The training runs in processes of their own (`helpers/distribute_worker.py`):
MirroredStrategy needs two logical CPUs made before TensorFlow initialises, and
MultiWorkerMirroredStrategy one process per worker, on 127.0.0.1 ports. A hang
(a worker waiting on a collective op the others never join) fails the test at
its timeout instead of blocking the run.
"""

import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.distribute import multi_worker_util

from tensorboard_plugin_saliency import reader
from tensorboard_plugin_saliency.callbacks import SaliencyCallback, _is_chief_task, is_chief

WORKER = os.path.join(os.path.dirname(__file__), "helpers", "distribute_worker.py")
EPOCHS = 2
TIMEOUT = 240
"""Seconds a run of the worker script may take before the test fails."""

METHODS = ["gradients", "integrated_gradients", "grad_cam"]


def _environment(tf_config=None):
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return env


def _report(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _files_written(logdir):
    """`(event files, asset files, part records)` directly in / below `logdir`."""
    events = [f for f in os.listdir(logdir) if not f.startswith("plugins")]
    asset_root = os.path.join(logdir, "plugins", "saliency")
    written = [f for _, _, files in os.walk(asset_root) for f in files]
    return (
        events,
        [f for f in written if f.endswith(".bin")],
        [f for f in written if f.endswith(".json")],
    )


def _check_steps_written_once(logdir, expected_gradients):
    events, asset_files, part_records = _files_written(logdir)
    assert len(events) == 1 and events[0].startswith("events.out.tfevents.")
    # One asset file and one part record per logged step, from one writer.
    assert len(asset_files) == len(part_records) == EPOCHS
    records = reader.read_saliency(logdir)
    assert [(r.tag, r.step) for r in records] == [("saliency", s) for s in range(1, EPOCHS + 1)]
    for record in records:
        assert list(record.masks) == METHODS
        assert record.masks["gradients"].shape == (3, 12, 12)
    # The last step's gradients are the trained model's, computed on one device
    # (to the precision of the stored 16-bit masks).
    expected = np.asarray(expected_gradients, np.float32)
    stored = records[-1].masks["gradients"]
    assert np.max(np.abs(stored - expected)) <= 1e-3 * np.max(np.abs(expected))


def test_mirrored_strategy_writes_each_epoch_once(tmp_path):
    logdir = str(tmp_path / "run")
    done = subprocess.run(
        [sys.executable, WORKER, "fit", logdir],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=_environment(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = _report(done.stdout)
    assert report["replicas"] == 2 and report["is_chief"] and report["should_save_summary"]
    _check_steps_written_once(logdir, report["expected_gradients"])


def _run_cluster(cluster, tasks, logdirs):
    """Runs one worker process per (task type, index), each writing to its log dir.

    Returns their reports; fails (after killing them all) when one fails or the
    whole run takes longer than TIMEOUT."""
    processes = []
    try:
        for (task_type, index), logdir in zip(tasks, logdirs):
            tf_config = {"cluster": cluster, "task": {"type": task_type, "index": index}}
            processes.append(
                subprocess.Popen(
                    [sys.executable, WORKER, "fit", logdir, "--multi-worker"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=_environment(tf_config),
                )
            )
        deadline = time.monotonic() + TIMEOUT
        outputs = []
        for process, task in zip(processes, tasks):
            try:
                out, err = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pytest.fail("task %s did not finish within %d s (a deadlock?)" % (task, TIMEOUT))
            assert process.returncode == 0, "task %s failed:\n%s" % (task, err[-3000:])
            outputs.append(_report(out))
        return outputs
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()


@pytest.mark.slow
def test_multi_worker_only_worker_0_writes_and_the_other_leaves_no_trace(tmp_path):
    # No "chief" task: worker 0 is the chief. Each worker gets its own log dir.
    ports = _free_ports(2)
    cluster = {"worker": ["127.0.0.1:%d" % port for port in ports]}
    tasks = [("worker", 0), ("worker", 1)]
    logdirs = [str(tmp_path / "worker0"), str(tmp_path / "worker1")]
    reports = _run_cluster(cluster, tasks, logdirs)
    assert [r["task"] for r in reports] == [["worker", 0], ["worker", 1]]
    assert [r["replicas"] for r in reports] == [2, 2]
    assert [r["is_chief"] for r in reports] == [True, False]
    assert [r["should_save_summary"] for r in reports] == [True, False]
    assert not os.path.exists(logdirs[1])  # no directory, no file
    assert not reports[1]["logdir_exists"]
    assert sorted(os.listdir(tmp_path)) == ["worker0"]
    _check_steps_written_once(logdirs[0], reports[0]["expected_gradients"])


def test_multi_worker_with_a_chief_task_only_the_chief_writes_to_the_shared_dir(tmp_path):
    # A "chief" task beside one worker; both are given the same log dir.
    ports = _free_ports(2)
    cluster = {"chief": ["127.0.0.1:%d" % ports[0]], "worker": ["127.0.0.1:%d" % ports[1]]}
    tasks = [("chief", 0), ("worker", 0)]
    logdir = str(tmp_path / "shared")
    reports = _run_cluster(cluster, tasks, [logdir, logdir])
    assert [r["is_chief"] for r in reports] == [True, False]
    assert [r["should_save_summary"] for r in reports] == [True, False]
    _check_steps_written_once(logdir, reports[0]["expected_gradients"])


@pytest.mark.parametrize(
    "cluster,task_type,task_id,chief",
    [
        ({"worker": ["a:1", "b:1"]}, "worker", 0, True),
        ({"worker": ["a:1", "b:1"]}, "worker", 1, False),
        ({"chief": ["c:1"], "worker": ["a:1", "b:1"]}, "chief", 0, True),
        ({"chief": ["c:1"], "worker": ["a:1", "b:1"]}, "worker", 0, False),
        ({"chief": ["c:1"], "worker": ["a:1"], "ps": ["p:1"]}, "ps", 0, False),
        ({"chief": ["c:1"], "worker": ["a:1"], "evaluator": ["e:1"]}, "evaluator", 0, True),
        ({"worker": ["a:1"]}, None, None, True),
    ],
)
def test_the_chief_rule_is_tensorflows(cluster, task_type, task_id, chief):
    resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
        tf.train.ClusterSpec(cluster), task_type=task_type, task_id=task_id
    )
    assert _is_chief_task(resolver) is chief
    if task_type is not None:
        assert multi_worker_util.is_chief(cluster, task_type, task_id) is chief


def test_without_a_cluster_the_process_writes(tmp_path):
    assert is_chief() and is_chief(tf.distribute.OneDeviceStrategy("/cpu:0"))
    callback = SaliencyCallback(str(tmp_path), np.zeros((1, 8, 8, 3)), methods=("gradients",))
    callback.set_model(tf.keras.Sequential([tf.keras.Input((8, 8, 3)), tf.keras.layers.Flatten()]))
    assert callback.log(step=1) is True
    callback.close()
    assert [r.step for r in reader.read_saliency(str(tmp_path))] == [1]
