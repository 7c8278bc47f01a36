"""The Lightning `SaliencyCallback`: what it writes through a real Trainer, read back
and served by a real tensorboard on both backends, and rank zero only under DDP.
(test_log_attributions.py checks that the function the callback calls leaves the
module's training state alone.)"""

import glob
import os
import subprocess
import sys
import urllib.parse

import lightning.pytorch as pl
import numpy as np
import pytest
from helpers import tb_process
from lightning.pytorch.loggers import TensorBoardLogger
from lightning_testing import Classifier, data, loader

from tensorboard_plugin_saliency import reader
from tensorboard_plugin_saliency.torch import SaliencyCallback

NAMES = ["circle", "square", "triangle"]


def _fit(logdir, epochs, callback):
    x, y = data()
    trainer = pl.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        logger=TensorBoardLogger(logdir, name="run", version=0),
        callbacks=[callback],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(Classifier(), loader(x, y), loader(x, y))
    return trainer


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """(logdir, trainer): 2 epochs logging gradients and integrated gradients."""
    logdir = str(tmp_path_factory.mktemp("lightning"))
    x, y = data()
    callback = SaliencyCallback(
        x[:4], y[:4], methods=("gradients", "integrated_gradients"), class_names=NAMES
    )
    return logdir, _fit(logdir, 2, callback)


def test_steps_labels_and_provenance(fitted):
    logdir, trainer = fitted
    run = os.path.join(logdir, "run", "version_0")
    records = reader.read_saliency(run, tag="saliency")
    per_epoch = trainer.global_step // 2
    assert [r.step for r in records] == [per_epoch, 2 * per_epoch]
    # The pixels went to one asset file per step beside the logger's event file, and
    # each step's part record beside them.
    below = sorted(os.listdir(os.path.join(run, "plugins", "saliency", "saliency")))
    asset_files = [name for name in below if name.endswith(".bin")]
    assert sorted(int(name.split("-")[0]) for name in asset_files) == [per_epoch, 2 * per_epoch]
    assert [n for n in below if n.endswith(".parts")] == sorted(
        "%d.parts" % s for s in (per_epoch, 2 * per_epoch)
    )
    last = records[-1]
    assert sorted(last.masks) == ["gradients", "integrated_gradients"]
    assert last.masks["gradients"].shape == (4, 16, 16)
    _, y = data()
    for i, label in enumerate(last.labels):
        assert label.startswith("true: %s · pred: " % NAMES[y[i]]), label
    # Each image's outcome as typed fields, under an id it keeps from step to step.
    assert [r.ids for r in records] == [["0", "1", "2", "3"]] * 2
    assert last.class_names == list(NAMES)
    for i, fields in enumerate(last.fields):
        assert fields["true"] == int(y[i]) and 0 <= fields["predicted"] < len(NAMES)
        assert fields["correct"] == (fields["true"] == fields["predicted"])
        assert 0 < fields["confidence"] <= 1 and fields["loss"] >= 0
    # The provenance of the methods' table, as the Keras callback records it.
    assert last.method_params["gradients"] == {}
    assert last.method_params["integrated_gradients"] == {"steps": 25, "baseline": None}


def test_every_n_epochs_and_the_last(tmp_path):
    x, y = data()
    trainer = _fit(
        str(tmp_path), 3, SaliencyCallback(x[:2], methods=("gradients",), every_n_epochs=2)
    )
    records = reader.read_saliency(str(tmp_path / "run" / "version_0"))
    per_epoch = trainer.global_step // 3
    assert [r.step for r in records] == [2 * per_epoch, 3 * per_epoch]


def test_log_dir_instead_of_the_logger(tmp_path):
    x, y = data()
    own = tmp_path / "saliency"
    _fit(str(tmp_path / "tb"), 1, SaliencyCallback(x[:2], methods=("gradients",), log_dir=str(own)))
    assert [r.step for r in reader.read_saliency(str(own))] != []


def test_regions_are_logged_and_scored(tmp_path):
    x, y = data()
    objects = np.zeros((2,) + tuple(x.shape[2:]), bool)
    objects[:, : x.shape[2] // 2] = True
    callback = SaliencyCallback(
        x[:2], y[:2], methods=("gradients",), log_dir=str(tmp_path), regions={"masks": objects}
    )
    _fit(str(tmp_path / "tb"), 1, callback)
    (record,) = reader.read_saliency(str(tmp_path))
    assert [r.kind for r in record.regions] == ["binary", "binary"]
    assert np.array_equal(record.regions[1].mask == 1, objects[1])
    assert len(record.scores["gradients"]["relevance_rank"]) == 2


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_served_by_tensorboard(fitted, load_fast):
    logdir, _ = fitted
    with tb_process.tensorboard_process(logdir, load_fast=load_fast) as base:
        tags = tb_process.fetch_json(base + "/data/plugin/saliency/tags")
        assert "saliency" in tags["run/version_0"]
        query = urllib.parse.urlencode({"run": "run/version_0", "tag": "saliency"})
        sample = tb_process.fetch_json(base + "/data/plugin/saliency/sample?" + query)
        assert [m["name"] for m in sample["masks"]] == ["gradients", "integrated_gradients"]
        assert sample["label"].startswith("true: ")


@pytest.mark.slow  # two processes and a gloo group, about 16 s: `make reliability`
def test_ddp_writes_each_step_once(tmp_path):
    script = os.path.join(os.path.dirname(__file__), "lightning_testing.py")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, script, str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    finished = sorted(os.path.basename(p) for p in glob.glob(str(tmp_path / "finished-rank-*")))
    assert finished == ["finished-rank-0", "finished-rank-1"]
    records = reader.read_saliency(str(tmp_path / "ddp" / "version_0"), tag="saliency")
    steps = [r.step for r in records]
    assert len(steps) == 2 and len(set(steps)) == 2
    asset_files = glob.glob(
        str(tmp_path / "**" / "plugins" / "saliency" / "*" / "*.bin"), recursive=True
    )
    part_records = glob.glob(
        str(tmp_path / "**" / "plugins" / "saliency" / "*" / "*.parts" / "*"), recursive=True
    )
    assert len(asset_files) == len(part_records) == 2  # one per step, from rank zero only
    event_files = [
        f
        for f in glob.glob(str(tmp_path / "**" / "events.out.tfevents.*"), recursive=True)
        if b"saliency" in open(f, "rb").read()
    ]
    assert len(event_files) == 1


def test_clear_errors(tmp_path):
    x, _ = data()
    with pytest.raises(ValueError, match="'lime' is not one of"):
        SaliencyCallback(x, methods=("lime",))
    with pytest.raises(ValueError, match="every_n_epochs"):
        SaliencyCallback(x, every_n_epochs=0)
    with pytest.raises(ValueError, match=r"images: expected \[N, C, H, W\]"):
        SaliencyCallback(x[0])
    trainer = pl.Trainer(
        max_epochs=1,
        accelerator="cpu",
        logger=False,
        callbacks=[SaliencyCallback(x[:2], methods=("gradients",))],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    with pytest.raises(ValueError, match="no TensorBoardLogger"):
        trainer.fit(Classifier(), loader(*data()), loader(*data()))
