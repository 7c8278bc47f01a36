"""`explain_dataset` on Ray: a local Ray cluster (`ray.init(num_cpus=2)`) with 2 actors
over 2,000 images writes the same step as the local engine, every image once; an actor
killed mid-job (after writing its part) leaves the step complete with no duplicate; a
`ray.data.Dataset` works, and resumes by image id however its batches fall; the actors
write to S3 (the object-storage tests' moto server); a stream is refused; a PyTorch
job imports no TensorFlow in the actors; Ray stays optional."""

import os
import subprocess
import sys

import numpy as np
import pytest

try:
    import ray
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("Ray is not installed (pip install '.[ray]')", allow_module_level=True)

from tensorboard_plugin_saliency import reader
from tensorboard_plugin_saliency.dataset import explain_dataset, ray_engine
from tensorboard_plugin_saliency.format import parts

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
IMAGES = 2000
SIZE = 8
CLASSES = 3
METHODS = {"gradients": {}, "integrated_gradients": {"steps": 4}}
IN_ACTOR = "SALIENCY_TEST_RAY_ACTOR"
"""Set in the actors' environment only: there, the model checks TensorFlow is absent."""


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster of 2 CPUs whose workers import this module (the model
    builder and the dataset below are pickled by reference)."""
    if ray.is_initialized():
        ray.shutdown()
    path = os.pathsep.join(p for p in (HERE, TESTS, os.environ.get("PYTHONPATH")) if p)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        runtime_env={"env_vars": {"PYTHONPATH": path, IN_ACTOR: "1"}},
    )
    yield
    ray.shutdown()


def _data():
    rng = np.random.default_rng(28)
    images = rng.random((IMAGES, 3, SIZE, SIZE), dtype=np.float32)
    return images, np.arange(IMAGES) % CLASSES


def _layers():
    import torch

    torch.manual_seed(1)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, CLASSES),
    )


def _model():
    """A builder: the tiny CNN, which in an actor fails if TensorFlow was imported."""
    import torch

    class NoTensorflow(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = _layers()

        def forward(self, x):
            if os.environ.get(IN_ACTOR):
                assert "tensorflow" not in sys.modules, "a PyTorch job imported TensorFlow"
                assert torch.get_num_threads() == 1, "an actor of 1 CPU runs 1 thread"
            return self.layers(x)

    return NoTensorflow().eval()


class DiesOnce:
    """A map-style dataset of `images`, `labels` whose reader of chunk `start` (the
    first time, marked by the file `marker`) makes its process write that chunk's part
    and then die, as an actor killed before Ray hears of its work."""

    def __init__(self, images, labels, start, marker, where):
        self.images, self.labels = images, labels
        self.start, self.marker, self.where = start, marker, where

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        if i == self.start and not os.path.exists(self.marker):
            from tensorboard_plugin_saliency.dataset import job

            write = job.PartWorker.write

            def write_then_die(worker, index, batch, explained):
                result = write(worker, index, batch, explained)
                with open(self.marker, "w") as f:  # the record written, then gone
                    f.write("\n".join(sorted(os.listdir(self.where))))
                os._exit(1)
                return result

            job.PartWorker.write = write_then_die
        return self.images[i], self.labels[i]


def _step(masks):
    """The largest quantisation step of stored masks (16 bits per image)."""
    flat = masks.reshape(len(masks), -1)
    return float((flat.max(axis=1) - flat.min(axis=1)).max()) / 65535


def _assert_same_masks(ours, theirs):
    assert ours.masks.keys() == theirs.masks.keys()
    for name, expected in theirs.masks.items():
        scale = float(expected.max() - expected.min())
        np.testing.assert_allclose(
            ours.masks[name], expected, rtol=0, atol=scale * 1e-5 + _step(expected)
        )


def test_two_actors_write_the_local_engines_step_every_image_once(cluster, tmp_path):
    images, labels = _data()
    common = dict(methods=METHODS, tag="val", step=3, part_size=100, progress=False)
    summary = explain_dataset(
        _model,  # a builder: each actor builds its own model
        (images, labels),
        logdir=str(tmp_path / "ray"),
        engine="ray",
        ray_options={"concurrency": 2, "num_cpus": 1},
        **common,
    )
    local = explain_dataset(_model(), (images, labels), logdir=str(tmp_path / "local"), **common)
    assert summary.images == summary.written == IMAGES and summary.skipped == 0
    assert summary.accuracy == pytest.approx(local.accuracy)
    (ours,) = reader.read_saliency(str(tmp_path / "ray"), tag="val")
    (theirs,) = reader.read_saliency(str(tmp_path / "local"), tag="val")
    assert ours.step == 3 and ours.parts == theirs.parts == (20, 20)
    assert ours.ids == theirs.ids == [str(i) for i in range(IMAGES)]
    assert ours.fields == theirs.fields
    _assert_same_masks(ours, theirs)


def test_an_actor_killed_after_writing_leaves_the_step_complete_without_a_duplicate(
    cluster, tmp_path
):
    images, labels = _data()
    logdir = str(tmp_path / "run")
    where = os.path.join(logdir, parts.directory("val", 0))
    marker = str(tmp_path / "died")
    data = DiesOnce(images, labels, 700, marker, where)  # chunk 7 of 20
    summary = explain_dataset(
        _layers(), data, logdir=logdir, methods=METHODS, tag="val", part_size=100,
        engine="ray", progress=False,
    )  # fmt: skip
    with open(marker) as f:
        before = f.read().split("\n")
    (first,) = [n for n in before if n.startswith("chunk00000007.")]
    after = sorted(os.listdir(where))
    (again,) = [n for n in after if n.startswith("chunk00000007.")]
    assert again != first, "the retried chunk was not written again"
    assert len(after) == 20  # the record of its first write replaced, not kept
    (record,) = reader.read_saliency(logdir, tag="val")
    assert record.ids == [str(i) for i in range(IMAGES)] and record.parts == (20, 20)
    assert summary.images == IMAGES
    # Run again: every part is written, nothing to do (Ray is not even asked).
    again = explain_dataset(
        _layers(), data, logdir=logdir, methods=METHODS, tag="val", part_size=100,
        engine="ray", progress=False,
    )  # fmt: skip
    assert (again.written, again.skipped, again.images) == (0, IMAGES, IMAGES)


@pytest.mark.slow
def test_a_ray_dataset_is_explained_and_resumed_by_image_id(cluster, tmp_path):
    images, labels = _data()
    n = 300
    rows = [{"image": images[i], "label": int(labels[i]), "id": "img%03d" % i} for i in range(n)]
    logdir = str(tmp_path / "run")
    common = dict(logdir=logdir, methods=METHODS, tag="val", progress=False)
    first = explain_dataset(_layers(), ray.data.from_items(rows), part_size=64, **common)
    assert first.images == first.written == n
    where = os.path.join(logdir, parts.directory("val", 0))
    names = sorted(os.listdir(where))
    assert all(name.startswith("chunk-") for name in names)
    os.remove(os.path.join(where, names[0]))  # a part lost: its images are written again
    lost = n - sum(parts.parse_name(name).images for name in names[1:])
    # Batches of another size, in other blocks: only the lost images are written.
    second = explain_dataset(
        _layers(), ray.data.from_items(rows, override_num_blocks=7), part_size=50, **common
    )
    assert (second.images, second.written, second.skipped) == (n, lost, n - lost)
    (record,) = reader.read_saliency(logdir, tag="val")
    assert sorted(record.ids) == ["img%03d" % i for i in range(n)]  # each once
    order = [int(i[3:]) for i in record.ids]
    assert [f["true"] for f in record.fields] == labels[order].tolist()
    local = explain_dataset(
        _layers(), (images[order], labels[order]), logdir=str(tmp_path / "local"),
        methods=METHODS, tag="val", part_size=n, progress=False,
    )  # fmt: skip
    assert local.images == n
    (theirs,) = reader.read_saliency(str(tmp_path / "local"), tag="val")
    _assert_same_masks(record, theirs)


@pytest.mark.slow
def test_an_image_folder_is_read_by_the_actors_in_their_models_layout(cluster, tmp_path):
    from PIL import Image

    rng = np.random.default_rng(5)
    for name in ("cat", "dog", "owl"):
        os.makedirs(tmp_path / "images" / name)
        for i in range(7):
            pixels = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / "images" / name / ("%d.png" % i))
    common = dict(methods=METHODS, part_size=8, size=(SIZE, SIZE), scale=1, progress=False)
    folder = str(tmp_path / "images")
    summary = explain_dataset(
        _model, folder, logdir=str(tmp_path / "ray"), engine="ray", **common
    )  # a builder: the driver loads no model, the actors read channels first
    explain_dataset(_model(), folder, logdir=str(tmp_path / "local"), **common)
    assert summary.images == summary.written == 21
    (ours,) = reader.read_saliency(str(tmp_path / "ray"), tag="dataset")
    (theirs,) = reader.read_saliency(str(tmp_path / "local"), tag="dataset")
    assert ours.ids == theirs.ids and ours.ids[:2] == ["cat/0.png", "cat/1.png"]
    assert ours.parts == (3, 3) and ours.class_names == ["cat", "dog", "owl"]
    assert [f["true"] for f in ours.fields] == [0] * 7 + [1] * 7 + [2] * 7
    _assert_same_masks(ours, theirs)


@pytest.mark.slow
def test_the_actors_write_to_s3(cluster, tmp_path):
    from helpers.s3_server import BUCKET, ENV, s3_server, server_missing

    missing = server_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    import torch

    model = str(tmp_path / "model.pt")
    torch.jit.script(_layers()).save(model)  # a TorchScript file, loaded by each actor
    images, labels = _data()
    with s3_server() as endpoint:
        env = dict(ENV, AWS_ENDPOINT_URL=endpoint)
        logdir = "s3://%s/ray/run1" % BUCKET
        summary = explain_dataset(
            model, (images[:300], labels[:300]), logdir=logdir, methods=["gradients"],
            part_size=100, engine="ray", progress=False,
            ray_options=ray_engine.RayOptions(runtime_env={"env_vars": env}),
        )  # fmt: skip
        assert summary.images == summary.written == 300
        (record,) = reader.read_saliency("s3://%s/ray" % BUCKET, tag="dataset")
        assert record.ids == [str(i) for i in range(300)] and record.parts == (3, 3)


def test_a_ray_dataset_batch_reads_columns_ids_labels_and_preprocessing():
    from tensorboard_plugin_saliency.dataset import folder

    pixels = np.arange(2 * 4 * 6 * 3, dtype=np.uint8).reshape(2, 4, 6, 3)
    columns = {
        "image": pixels,
        "label": np.eye(3)[[2, 0]],  # one-hot
        "path": np.asarray(["a/1.png", "b/2.png"], dtype=object),
    }
    preprocess = folder.Preprocess(size=(2, 3), scale=255)
    batch = ray_engine._dataset_batch(columns, preprocess, "channels_first")
    assert batch.images.shape == (2, 3, 2, 3) and batch.images.dtype == np.float32
    assert batch.labels.tolist() == [2, 0] and batch.ids == ["a/1.png", "b/2.png"]
    hashed = ray_engine._dataset_batch({"image": pixels.astype(np.float32)}, None, "x")
    assert hashed.labels is None and hashed.images.shape == (2, 4, 6, 3)
    assert len(set(hashed.ids)) == 2 and all(i.startswith("sha1-") for i in hashed.ids)
    assert ray_engine._dataset_batch({"image": pixels.astype(np.float32)}, None, "x").ids == (
        hashed.ids
    )
    assert ray_engine._batch_key(["a", "b"]) == ray_engine._batch_key(["a", "b"])
    assert ray_engine._batch_key(["a", "b"]) != ray_engine._batch_key(["b", "a"])
    with pytest.raises(ValueError, match="uint8 pixels"):
        ray_engine._dataset_batch({"image": pixels.astype(np.float32)}, preprocess, "x")
    with pytest.raises(ValueError, match="column 'image'"):
        ray_engine._dataset_batch({"pixels": pixels}, None, "x")


def _stream():
    images, labels = _data()
    for start in range(0, 20, 10):
        yield images[start : start + 10], labels[start : start + 10]


@pytest.mark.parametrize(
    "options, data, error, message",
    [
        ({"concurrency": 2, "gpus": 1}, None, ValueError, "unknown option gpus"),
        ({"concurrency": 0}, None, ValueError, "concurrency: expected an integer of at"),
        ({"num_cpus": "1"}, None, TypeError, "num_cpus: expected a number"),
        ("2 actors", None, TypeError, "expected a RayOptions or a dict"),
        (None, _stream(), TypeError, "not supported on Ray; use an image folder"),
    ],
)
def test_bad_options_and_streams_are_refused_before_ray_starts(
    tmp_path, options, data, error, message
):
    images, labels = _data()
    with pytest.raises(error, match=message):
        explain_dataset(
            _layers(), (images[:20], labels[:20]) if data is None else data,
            logdir=str(tmp_path / "run"), engine="ray", ray_options=options, progress=False,
        )  # fmt: skip
    assert not (tmp_path / "run").exists()


def test_without_ray_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    images, labels = _data()
    with pytest.raises(ImportError, match=r"pip install tensorboard-plugin-saliency\[ray\]"):
        explain_dataset(
            _layers(), (images[:20], labels[:20]), logdir=str(tmp_path), engine="ray",
            progress=False,
        )  # fmt: skip


def test_importing_the_dataset_package_imports_no_ray():
    code = "import sys, tensorboard_plugin_saliency.dataset; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
