"""SaliencyCallback(faithfulness=...): scores in the manifest, read back by
`read_saliency`, served by `/sample`, and mean AUCs in TensorBoard's Scalars tab on
both backends (a real `tensorboard` process)."""

import urllib.parse

import numpy as np
import pytest
import tensorflow as tf
from helpers import tb_process

from tensorboard_plugin_saliency import faithfulness, methods, reader
from tensorboard_plugin_saliency.callbacks import SaliencyCallback

STEPS = 4
KINDS = ("deletion", "insertion")


def _model():
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((12, 12, 3)),
            tf.keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
            tf.keras.layers.GlobalAveragePooling2D(),
            tf.keras.layers.Dense(3),
        ]
    )
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(logdir, model, images, classes): 2 epochs logged with faithfulness scores."""
    logdir = str(tmp_path_factory.mktemp("faithfulness"))
    rng = np.random.default_rng(0)
    x = rng.random((24, 12, 12, 3)).astype(np.float32)
    y = rng.integers(0, 3, 24)
    model = _model()
    callback = SaliencyCallback(
        logdir,
        x[:4],
        y[:4],
        methods={"gradients": {}, "grad_cam": {}},
        faithfulness={"deletion": {"steps": STEPS}, "insertion": {"steps": STEPS}},
    )
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    callback.close()
    return logdir, model, x[:4], y[:4]


def test_scores_round_trip_and_equal_the_curves(trained):
    logdir, model, images, classes = trained
    records = reader.read_saliency(logdir, tag="saliency")
    assert [r.step for r in records] == [1, 2]
    last = records[-1]
    masks = {
        "gradients": methods.gradients(model, images, classes),
        "grad_cam": methods.grad_cam(model, images, classes),
    }
    for name, mask in masks.items():
        scores = last.scores[name]
        for kind in KINDS:
            expected = getattr(faithfulness, kind)(model, images, mask, classes, steps=STEPS)
            assert scores[f"{kind}_curve"].shape == (4, STEPS + 1)
            np.testing.assert_allclose(scores[f"{kind}_auc"], expected.auc, atol=1e-6)
            np.testing.assert_allclose(scores[f"{kind}_curve"], expected.curves, atol=1e-6)
            np.testing.assert_allclose(scores[f"{kind}_random_auc"], expected.random_auc, atol=1e-6)
    # The random baseline does not depend on the mask: every mask stores the same.
    np.testing.assert_array_equal(
        last.scores["gradients"]["deletion_random_curve"],
        last.scores["grad_cam"]["deletion_random_curve"],
    )


def test_without_faithfulness_nothing_is_scored(tmp_path):
    images = np.random.default_rng(1).random((2, 12, 12, 3)).astype(np.float32)
    callback = SaliencyCallback(str(tmp_path), images, methods=("gradients",))
    callback.set_model(_model())
    callback.log(step=3)
    callback.close()
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.scores == {}
    assert not [p for p in tmp_path.rglob("*") if "faithfulness" in p.name]


def test_a_target_mask_is_scored_on_its_output(tmp_path):
    images = np.random.default_rng(2).random((2, 12, 12, 3)).astype(np.float32)
    model = _model()
    callback = SaliencyCallback(
        str(tmp_path),
        images,
        methods={"gradients": {"target": methods.decrease(1)}},
        faithfulness=("deletion",),
    )
    callback.set_model(model)
    callback.log(step=1)
    callback.close()
    (record,) = reader.read_saliency(str(tmp_path), tag="saliency")
    curve = record.scores["gradients"]["deletion_curve"]
    np.testing.assert_allclose(curve[:, 0], -model(images).numpy()[:, 1], atol=1e-5)


@pytest.mark.parametrize(
    "faithfulness_arg, words", [(("erase",), "'erase' is not one of deletion, insertion")]
)
def test_bad_faithfulness(tmp_path, faithfulness_arg, words):
    with pytest.raises(ValueError, match=words):
        SaliencyCallback(str(tmp_path), np.zeros((1, 4, 4, 3)), faithfulness=faithfulness_arg)


@pytest.mark.parametrize("load_fast", ["false", "true"])
def test_scalars_and_sample_scores_are_served(trained, load_fast):
    logdir, _, _, _ = trained
    records = reader.read_saliency(logdir, tag="saliency")
    with tb_process.tensorboard_process(logdir, load_fast=load_fast) as base:
        tags = tb_process.fetch_json(base + "/data/plugin/scalars/tags")
        for name in ("gradients", "grad_cam"):
            for kind in KINDS:
                for score in (f"{kind}_auc", f"{kind}_random_auc"):
                    tag = f"saliency/faithfulness/{name}/{score}"
                    assert tag in tags["."], sorted(tags["."])
                    query = urllib.parse.urlencode({"run": ".", "tag": tag})
                    points = tb_process.fetch_json(base + "/data/plugin/scalars/scalars?" + query)
                    assert [p[1] for p in points] == [1, 2]
                    means = [float(np.mean(r.scores[name][score])) for r in records]
                    np.testing.assert_allclose([p[2] for p in points], means, rtol=1e-6)
        query = urllib.parse.urlencode({"run": ".", "tag": "saliency", "sample": 2})
        sample = tb_process.fetch_json(base + "/data/plugin/saliency/sample?" + query)
        last = records[-1].scores
        assert sample["scores"]["gradients"]["deletion_auc"] == pytest.approx(
            last["gradients"]["deletion_auc"][2]
        )
        assert len(sample["scores"]["grad_cam"]["insertion_curve"]) == STEPS + 1
        assert sample["batch_scores"]["grad_cam"]["insertion_auc"] == pytest.approx(
            last["grad_cam"]["insertion_auc"].mean()
        )
