"""SaliencyCallback writes the expected tags, steps, masks, labels and params."""

import numpy as np
import pytest
import tensorflow as tf

from tensorboard_plugin_saliency import reader
from tensorboard_plugin_saliency.callbacks import SaliencyCallback


def _tiny_model():
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((12, 12, 3)),
            tf.keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            tf.keras.layers.GlobalAveragePooling2D(),
            tf.keras.layers.Dense(2),
        ]
    )
    model.compile("sgd", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _data(n=16):
    rng = np.random.default_rng(0)
    return rng.random((n, 12, 12, 3)).astype(np.float32), rng.integers(0, 2, n)


def test_logs_every_n_epochs_and_the_last(tmp_path):
    images, classes = _data()
    callback = SaliencyCallback(
        str(tmp_path),
        images[:3],
        classes[:3],
        methods=("gradients", "smoothgrad"),
        every_n_epochs=2,
        class_names=["cat", "dog"],
        tag="val/saliency",
    )
    _tiny_model().fit(images, classes, epochs=5, verbose=0, callbacks=[callback])
    callback.close()
    records = reader.read_saliency(str(tmp_path))
    assert [(r.tag, r.step) for r in records] == [("val/saliency", s) for s in (2, 4, 5)]
    record = records[-1]
    assert list(record.masks) == ["gradients", "smoothgrad"]
    assert record.masks["gradients"].shape == (3, 12, 12)
    np.testing.assert_array_equal(record.images, np.rint(images[:3] * 255).astype(np.uint8))
    for label, true in zip(record.labels, classes[:3]):
        assert label.startswith("true: %s · pred: " % ["cat", "dog"][true]), label
        score = float(label.rsplit(" ", 1)[1])
        assert 0.0 <= score <= 1.0
    assert record.method_params["smoothgrad"]["nsamples"] == 25
    assert record.method_params["smoothgrad"]["stdev_spread"] == 0.15
    assert "steps" not in record.method_params["gradients"]
    # The fixed images keep their ids from step to step, and carry their outcome.
    assert [r.ids for r in records] == [["0", "1", "2"]] * 3
    assert [f["true"] for f in record.fields] == [int(c) for c in classes[:3]]
    assert record.class_names == ["cat", "dog"]


def test_method_parameters_are_used_and_recorded(tmp_path):
    images, _ = _data(2)
    callback = SaliencyCallback(
        str(tmp_path),
        images,
        methods={"integrated_gradients": {"steps": 7}},
    )
    callback.set_model(_tiny_model())
    callback.log(step=3)
    callback.close()
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.method_params == {"integrated_gradients": {"steps": 7, "baseline": None}}
    assert record.labels[0].startswith("pred: ")


def test_grad_cam_records_the_layer_it_used(tmp_path):
    images, _ = _data(2)
    callback = SaliencyCallback(str(tmp_path), images, methods=("grad_cam",))
    model = _tiny_model()
    callback.set_model(model)
    callback.log(step=1)
    callback.close()
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.method_params == {"grad_cam": {"layer": model.layers[0].name}}
    assert record.masks["grad_cam"].shape == (2, 12, 12)


@pytest.mark.parametrize(
    "kwargs,error,words",
    [
        ({"methods": ("nope",)}, ValueError, "'nope' is not one of"),
        ({"methods": ()}, ValueError, "at least one"),
        ({"every_n_epochs": 0}, ValueError, "every_n_epochs"),
        ({"targets": [0]}, ValueError, r"expected 2 class indices \[N\] or 2 one-hot rows"),
        ({"targets": np.eye(3)[[0, 1, 2]]}, ValueError, r"one-hot rows .* got shape \(3, 3\)"),
        ({"every_n_epochs": 1.5}, TypeError, "every_n_epochs"),
        ({"max_outputs": 0}, ValueError, "max_outputs"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, error, words):
    images, _ = _data(2)
    with pytest.raises(error, match=words):
        SaliencyCallback(str(tmp_path), images, **kwargs)


def test_the_former_module_name_still_imports():
    from tensorboard_plugin_saliency import keras

    assert keras.SaliencyCallback is SaliencyCallback
    assert keras.__all__ == ["SaliencyCallback"]


def test_one_hot_targets_are_their_argmax(tmp_path):
    images, classes = _data(4)
    one_hot = tf.keras.utils.to_categorical(classes, 2)
    for name, targets in (("indices", classes), ("one_hot", one_hot)):
        model = _tiny_model()
        callback = SaliencyCallback(str(tmp_path / name), images, targets, methods=("gradients",))
        model.fit(images, classes, epochs=1, verbose=0, callbacks=[callback])
    (by_index,) = reader.read_saliency(str(tmp_path / "indices"))
    (by_one_hot,) = reader.read_saliency(str(tmp_path / "one_hot"))
    assert by_one_hot.labels == by_index.labels
    assert by_one_hot.images.shape[0] == 4  # every image is logged by default
    np.testing.assert_array_equal(by_one_hot.masks["gradients"], by_index.masks["gradients"])


def test_every_new_method_and_a_target(tmp_path):
    from tensorboard_plugin_saliency import methods

    images, _ = _data(2)
    model = _tiny_model()
    callback = SaliencyCallback(
        str(tmp_path),
        images,
        methods={
            "guided_backprop": {},
            "deconvnet": {},
            "guided_grad_cam": {},
            "guided_integrated_gradients": {"steps": 4},
            "xrai": {"steps": 4},
            "gradients": {"target": methods.decrease(1)},
        },
    )
    callback.set_model(model)
    callback.log(step=1)
    callback.close()
    (record,) = reader.read_saliency(str(tmp_path))
    assert sorted(record.masks) == sorted(callback._methods)
    assert record.masks["xrai"].shape == (2, 12, 12)
    assert record.masks["guided_backprop"].shape == (2, 12, 12)
    assert record.method_params["gradients"] == {"target": "decrease(1)"}
    assert record.method_params["guided_grad_cam"]["layer"] == model.layers[0].name


def test_older_spellings_warn_and_captions_replace_the_default(tmp_path):
    images, classes = _data(2)
    model = _tiny_model()
    with pytest.warns(DeprecationWarning, match="labels= is now class_names="):
        old = SaliencyCallback(str(tmp_path / "old"), images, classes, labels=["cat", "dog"])
    with pytest.warns(DeprecationWarning, match="'saliency' is now called 'gradients'"):
        renamed = SaliencyCallback(str(tmp_path / "renamed"), images, methods=("saliency",))
    own = SaliencyCallback(
        str(tmp_path / "own"), images, methods=("gradients",), captions=["first", "second"]
    )
    for callback in (old, renamed, own):
        callback.set_model(model)
        assert callback.log(step=1)
        callback.close()
    (record,) = reader.read_saliency(str(tmp_path / "old"))
    assert record.labels[0].startswith("true: %s · " % ["cat", "dog"][classes[0]])
    (record,) = reader.read_saliency(str(tmp_path / "renamed"))
    assert list(record.masks) == ["gradients"]
    (record,) = reader.read_saliency(str(tmp_path / "own"))
    assert record.labels == ["first", "second"]
    with pytest.raises(TypeError, match="not both"):
        SaliencyCallback(str(tmp_path), images, labels=["a"], class_names=["a"])
