"""`explain_dataset` on the local engine: a Keras and a PyTorch model over 2,000
images give one step whose masks are the methods' own on the same images, every image
once; a job killed part-way and run again completes the step without a duplicate."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from tensorboard_plugin_saliency import reader
from tensorboard_plugin_saliency.dataset import explain_dataset, folder, sources
from tensorboard_plugin_saliency.format import parts

IMAGES = 2000
SIZE = 8
CLASSES = 3
METHODS = {"gradients": {}, "integrated_gradients": {"steps": 8}}


def _data(layout):
    rng = np.random.default_rng(28)
    images = rng.random((IMAGES, SIZE, SIZE, 3), dtype=np.float32)
    if layout == "channels_first":
        images = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    return images, np.arange(IMAGES) % CLASSES


def _keras_model():
    import keras

    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(CLASSES),
        ]
    )


def _torch_model():
    import torch

    torch.manual_seed(1)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, CLASSES),
    )


def _direct(framework, model, images, labels):
    """Each method called on the whole set at once, in the step's layout."""
    if framework == "keras":
        from tensorboard_plugin_saliency import methods
    else:
        from tensorboard_plugin_saliency.torch import methods
    out = {}
    for name, params in METHODS.items():
        mask = getattr(methods, name)(model, images, labels, **params)
        out[name] = mask.transpose(0, 2, 3, 1) if framework == "torch" else mask
    return out


@pytest.mark.parametrize("framework", ["keras", "torch"])
def test_a_dataset_step_holds_the_methods_own_masks_every_image_once(tmp_path, framework):
    model = _keras_model() if framework == "keras" else _torch_model()
    layout = "channels_last" if framework == "keras" else "channels_first"
    images, labels = _data(layout)
    summary = explain_dataset(
        model,
        (images, labels),
        logdir=str(tmp_path),
        methods=METHODS,
        tag="val",
        step=7,
        part_size=300,
        progress=False,
    )
    assert summary.images == IMAGES and summary.written == IMAGES and summary.skipped == 0
    (record,) = reader.read_saliency(str(tmp_path), tag="val")
    assert record.step == 7 and record.parts == (7, 7)
    assert record.ids == [str(i) for i in range(IMAGES)]
    fields = record.fields
    assert [f["true"] for f in fields] == labels.tolist()
    correct = np.mean([f["correct"] for f in fields])
    assert summary.accuracy == pytest.approx(correct)
    direct = _direct(framework, model, images, labels)
    for name, expected in direct.items():
        expected = expected.sum(axis=-1)  # stored summed over channels
        scale = float(expected.max() - expected.min())
        # Stored as uint16 between each image's extremes: plus the encoding's step.
        np.testing.assert_allclose(
            record.masks[name], expected, rtol=0, atol=scale * 1e-5 + _step(expected)
        )


def _step(masks):
    """The largest quantisation step of the stored masks (16 bits per image)."""
    flat = masks.reshape(len(masks), -1)
    return float((flat.max(axis=1) - flat.min(axis=1)).max()) / 65535


def test_a_killed_job_run_again_completes_the_step_without_a_duplicate(tmp_path):
    script = textwrap.dedent(
        """
        import sys, numpy as np, torch
        sys.path.insert(0, %r)
        from test_explain_dataset import _data, _torch_model, METHODS
        from tensorboard_plugin_saliency.dataset import explain_dataset
        images, labels = _data("channels_first")
        explain_dataset(_torch_model(), (images, labels), logdir=sys.argv[1], methods=METHODS,
                        tag="val", part_size=100, progress=False)
        assert "tensorflow" not in sys.modules, "a PyTorch job imported TensorFlow"
        """
        % os.path.dirname(__file__)
    )
    logdir = str(tmp_path)
    where = tmp_path / parts.directory("val", 0)
    process = subprocess.Popen([sys.executable, "-c", script, logdir])
    # Killed once some parts are written, at a point that varies from run to run.
    wanted = np.random.default_rng().integers(2, 12)
    deadline = time.time() + 120
    while time.time() < deadline:
        written = len(os.listdir(where)) if where.exists() else 0
        if written >= wanted or process.poll() is not None:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    first = len(os.listdir(where))
    assert 0 < first < 20, first
    # What a kill between a part's pixels and its record leaves: a file no part names.
    (where.parent / "0-0123456789abcdef.bin").write_bytes(b"pixels of no part")
    subprocess.run([sys.executable, "-c", script, logdir], check=True, timeout=300)
    (record,) = reader.read_saliency(logdir, tag="val")
    assert record.ids == [str(i) for i in range(IMAGES)]
    assert record.parts == (20, 20)
    assert len(parts.newest(os.listdir(where))) == 20
    # No pixel file but those of the 20 parts: a killed part's are removed.
    assets = [n for n in os.listdir(where.parent) if n.endswith(".bin")]
    assert len(assets) == 20, sorted(assets)


def test_a_resumed_job_with_other_methods_is_refused(tmp_path):
    images, labels = _data("channels_first")
    model = _torch_model()
    explain_dataset(
        model,
        (images[:20], labels[:20]),
        logdir=str(tmp_path),
        methods=["gradients"],
        part_size=10,
        progress=False,
    )
    with pytest.raises(ValueError, match="written with the methods"):
        explain_dataset(
            model,
            (images[:20], labels[:20]),
            logdir=str(tmp_path),
            methods=["smoothgrad"],
            part_size=10,
            progress=False,
        )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"engine": "spark"}, "engine: expected one of"),
        ({"part_size": 0}, "part_size"),
        ({"methods": ["no_such_method"]}, "no_such_method"),
        ({"size": 32}, "preprocess an image folder"),
        ({"tag": ""}, "tag: expected a non-empty string"),
    ],
)
def test_bad_arguments_name_what_was_wrong_and_write_nothing(tmp_path, kwargs, message):
    images, labels = _data("channels_first")
    arguments = {"logdir": str(tmp_path / "run"), "progress": False, **kwargs}
    with pytest.raises((ValueError, TypeError), match=message):
        explain_dataset(_torch_model(), (images[:4], labels[:4]), **arguments)
    assert not (tmp_path / "run").exists()


def test_an_image_folder_reads_its_classes_paths_and_preprocessing(tmp_path):
    from PIL import Image

    for c, name in enumerate(["cat", "dog"]):
        os.makedirs(tmp_path / name / "sub")
        for i in range(3):
            pixels = np.full((6, 4, 3), 40 * c + i, np.uint8)
            Image.fromarray(pixels).save(tmp_path / name / ("sub" if i == 2 else "") / f"{i}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    source = sources.source_of(
        str(tmp_path), layout="channels_first", size=(2, 3), scale=255, mean=(10, 10, 10)
    )
    assert len(source) == 6 and source.class_names == ["cat", "dog"]
    batch = source.read(2, 5)
    assert batch.ids == ["cat/sub/2.png", "dog/0.png", "dog/1.png"]
    assert batch.labels.tolist() == [0, 1, 1]
    assert batch.images.shape == (3, 3, 2, 3)
    np.testing.assert_allclose(batch.images[:, 0, 0, 0], [2 - 10, 40 - 10, 41 - 10], atol=1e-4)
    with pytest.raises(ValueError, match="no class subfolders"):
        folder.list_images(str(tmp_path / "cat" / "sub"))
    # A CSV of paths alone: images without classes.
    (tmp_path / "list.csv").write_text("path\ncat/0.png\ndog/1.png\n")
    unlabelled = sources.source_of(str(tmp_path / "list.csv"), layout="channels_last")
    batch = unlabelled.read(0, 2)
    assert batch.labels is None and batch.ids == ["cat/0.png", "dog/1.png"]
    assert batch.images.shape == (2, 6, 4, 3)


def test_streams_in_chunks_keep_the_data_order():
    batches = [(np.full((n, 2), i), np.full(n, i)) for i, n in enumerate([3, 5, 1, 4])]
    chunks = list(sources.StreamSource(batches).chunks(4))
    loaded = [c.load() for c in chunks]
    assert [c.index for c in chunks] == [0, 1, 2, 3]
    assert [len(b.ids) for b in loaded] == [4, 4, 4, 1]
    assert np.concatenate([b.labels for b in loaded]).tolist() == [0] * 3 + [1] * 5 + [2] + [3] * 4
    assert loaded[-1].ids == ["12"]


def test_a_keras_file_over_a_tf_data_dataset(tmp_path):
    import tensorflow as tf

    model = _keras_model()
    path = str(tmp_path / "model.keras")
    model.save(path)
    images, labels = _data("channels_last")
    dataset = tf.data.Dataset.from_tensor_slices((images[:50], labels[:50])).batch(16)
    summary = explain_dataset(
        path,
        dataset,
        logdir=str(tmp_path / "run"),
        methods=["gradients"],
        part_size=20,
        progress=False,
    )
    assert summary.images == 50
    (record,) = reader.read_saliency(str(tmp_path / "run"))
    assert record.parts == (3, None)  # a batched stream: its length is not known
    assert record.ids == [str(i) for i in range(50)]
    direct = _direct("keras", model, images[:50], labels[:50])["gradients"].sum(axis=-1)
    np.testing.assert_allclose(record.masks["gradients"], direct, atol=2 * _step(direct))
