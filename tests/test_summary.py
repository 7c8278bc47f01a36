"""Writers round-trip through real event files read by TensorBoard's data providers."""

import glob
import os

import numpy as np
import pytest
from helpers import tb_backends

from tensorboard_plugin_saliency import reader, summary
from tensorboard_plugin_saliency.format import encoding

RNG = np.random.default_rng(7)
IMAGES = RNG.integers(0, 256, size=(3, 20, 24, 3), dtype=np.uint8)
MASKS = {
    "gradients": RNG.normal(size=(3, 20, 24, 3)).astype(np.float32),
    "grad_cam": RNG.random((3, 5, 6)).astype(np.float32),
}
LABELS = ["true: cat · pred: dog 0.87", "<b>two</b>", "три"]
PARAMS = {"grad_cam": {"layer": "conv2", "relu": True}}


def _expected_masks(max_outputs=3):
    return {
        "gradients": MASKS["gradients"][:max_outputs].sum(-1),
        "grad_cam": MASKS["grad_cam"][:max_outputs],
    }


def _write_tf(logdir, steps):
    import tensorflow as tf

    writer = tf.summary.create_file_writer(logdir)

    @tf.function
    def graph_write(images, gradients, cam, step):
        return summary.saliency(
            "graph",
            images,
            {"gradients": gradients, "grad_cam": cam},
            step,
            labels=LABELS,
            method_params=PARAMS,
        )

    with writer.as_default():
        for step in steps:
            assert summary.saliency(
                "eager", IMAGES, MASKS, step, labels=LABELS, method_params=PARAMS
            )
            assert graph_write(
                tf.constant(IMAGES),
                tf.constant(MASKS["gradients"]),
                tf.constant(MASKS["grad_cam"]),
                tf.constant(step, tf.int64),
            )
    writer.close()
    return ["eager", "graph"]


def _write_logdir(logdir, steps):
    with summary.SaliencyWriter(logdir) as writer:
        for step in steps:
            writer.add("plain", IMAGES, MASKS, step, labels=LABELS, method_params=PARAMS)
    return ["plain"]


def _write_torch(logdir, steps):
    import torch
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(logdir) as torch_writer:
        writer = summary.SaliencyWriter(torch_writer)
        for step in steps:
            # Channel-first tensors, as PyTorch and Captum give them.
            writer.add(
                "torch",
                torch.from_numpy(IMAGES).permute(0, 3, 1, 2),
                {
                    "gradients": torch.from_numpy(MASKS["gradients"]).permute(0, 3, 1, 2),
                    "grad_cam": torch.from_numpy(MASKS["grad_cam"]),
                },
                step,
                labels=LABELS,
                method_params=PARAMS,
            )
        writer.close()
    return ["torch"]


def _write_tensorboardx(logdir, steps):
    import tensorboardX

    with tensorboardX.SummaryWriter(logdir) as tbx_writer:
        with summary.SaliencyWriter(tbx_writer) as writer:
            for step in steps:
                writer.add("tbx", IMAGES, MASKS, step, labels=LABELS, method_params=PARAMS)
    return ["tbx"]


WRITERS = {
    "tf": _write_tf,
    "logdir": _write_logdir,
    "torch": _write_torch,
    "tensorboardx": _write_tensorboardx,
}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A log directory with one run per writer, steps 0, 5 and 10."""
    root = str(tmp_path_factory.mktemp("logs"))
    tags = {}
    for name, write in WRITERS.items():
        tags[name] = write(os.path.join(root, name), [0, 5, 10])
    return root, tags


def _check_blobs(blobs, max_outputs=3, run_directory=None):
    images, masks, labels, params = reader.decode_blobs(blobs, run_directory)
    np.testing.assert_array_equal(images, IMAGES[:max_outputs])
    assert list(masks) == ["gradients", "grad_cam"]
    for name, expected in _expected_masks(max_outputs).items():
        assert masks[name].dtype == np.float32
        assert masks[name].shape == expected.shape
        half_step = (expected.max(axis=(1, 2)) - expected.min(axis=(1, 2))) / 131070
        error = np.abs(masks[name] - expected).max(axis=(1, 2))
        assert np.all(error <= half_step * 1.001 + 1e-12), (name, error, half_step)
    assert labels == LABELS[:max_outputs]
    assert params == {"gradients": {}, "grad_cam": PARAMS["grad_cam"]}


@pytest.mark.parametrize("backend", tb_backends.BACKENDS)
@pytest.mark.parametrize("writer", list(WRITERS))
def test_round_trip_through_data_provider(written, writer, backend):
    root, tags = written
    with tb_backends.data_provider(root, backend) as provider:
        data = tb_backends.read_all(provider)
    for tag in tags[writer]:
        series = data[(writer, tag)]
        assert [step for step, _, _ in series] == [0, 5, 10]
        for _, wall_time, blobs in series:
            assert wall_time > 0
            # The TF op writes its pixels inline; every other writer into an asset
            # file below the run's directory, the event file keeping the manifest.
            assert len(blobs) == (10 if writer == "tf" else 1)
            _check_blobs(blobs, run_directory=os.path.join(root, writer))


def test_tensor_is_a_shaped_string_vector_with_blob_sequence_metadata():
    proto = summary.saliency_pb("t", IMAGES, MASKS, description="**d**")
    value = proto.value[0]
    assert value.metadata.plugin_data.plugin_name == "saliency"
    assert value.metadata.data_class == 3  # DATA_CLASS_BLOB_SEQUENCE
    assert value.metadata.summary_description == "**d**"
    assert value.tensor.dtype == 7  # DT_STRING
    assert [d.size for d in value.tensor.tensor_shape.dim] == [1 + 3 * 3]


def test_read_saliency_returns_every_step_and_filters(written):
    root, _ = written
    records = reader.read_saliency(root, run="logdir")
    assert [(r.run, r.tag, r.step) for r in records] == [("logdir", "plain", s) for s in (0, 5, 10)]
    for record in records:
        _check_blobs_record(record)
    assert {r.tag for r in reader.read_saliency(root, tag="eager")} == {"eager"}


def _check_blobs_record(record):
    np.testing.assert_array_equal(record.images, IMAGES)
    assert record.labels == LABELS
    assert record.method_params["grad_cam"] == PARAMS["grad_cam"]
    assert set(record.masks) == {"gradients", "grad_cam"}


def test_max_outputs_keeps_the_first_images(tmp_path):
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        writer.add("t", IMAGES, MASKS, 1, labels=LABELS, method_params=PARAMS, max_outputs=2)
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.images.shape[0] == 2
    assert record.masks["gradients"].shape == (2, 20, 24)
    assert record.labels == LABELS[:2]


@pytest.mark.parametrize(
    "reduction,expected",
    [
        ("sum", lambda m: m.sum(-1)),
        ("abs_sum", lambda m: np.abs(m).sum(-1)),
        ("max_abs", lambda m: np.abs(m).max(-1)),
    ],
)
def test_channel_reduction(reduction, expected):
    ((_, values),) = encoding.prepare_masks(MASKS["gradients"], 3, (20, 24), reduction)
    np.testing.assert_allclose(values, expected(MASKS["gradients"]), rtol=1e-6)


@pytest.mark.parametrize(
    "image,mask,expected_shape",
    [
        (np.zeros((8, 9)), np.ones((8, 9)), (1, 8, 9)),  # [H,W] image
        (np.zeros((8, 9, 3)), np.ones((8, 9, 3)), (1, 8, 9)),  # [h,w,C]
        (np.zeros((8, 9, 3)), np.ones((3, 8, 9)), (1, 8, 9)),  # [C,h,w]
        (np.zeros((8, 9, 3)), np.ones((1, 4, 5)), (1, 4, 5)),  # [1,h,w]
        (np.zeros((2, 8, 9, 3)), np.ones((2, 3, 8, 9)), (2, 8, 9)),  # [N,C,h,w]
        (np.zeros((2, 8, 9, 1)), np.ones((2, 7, 7)), (2, 7, 7)),  # Grad-CAM size
        (np.zeros((2, 3, 8, 9)), np.ones((2, 8, 9)), (2, 8, 9)),  # [N,C,H,W] image
    ],
)
def test_accepted_layouts(image, mask, expected_shape):
    images = encoding.prepare_images(image)
    ((_, values),) = encoding.prepare_masks(mask, images.shape[0], images.shape[1:3], "sum")
    assert values.shape == expected_shape


def _nan_mask():
    mask = np.ones((3, 20, 24), np.float32)
    mask[0, :2, :2] = np.nan
    mask[1, 0, 0] = np.inf
    return mask


BAD_INPUTS = [
    # (kwargs overriding a good call, exception, words the message must contain)
    ({"masks": _nan_mask()}, ValueError, ["masks['mask']", "5 of 1440", "not finite"]),
    (
        {"masks": np.ones((2, 20, 24))},
        ValueError,
        ["masks['mask']", "image batch has 3", "(2, 20, 24)"],
    ),
    ({"masks": np.ones((20,))}, ValueError, ["masks['mask']", "shape (20,)"]),
    ({"masks": np.ones((3, 1, 20, 24, 1))}, ValueError, ["masks['mask']", "expected"]),
    ({"masks": np.ones((0, 20, 24))}, ValueError, ["masks['mask']", "empty"]),
    ({"masks": {}}, ValueError, ["masks", "empty dict"]),
    ({"masks": np.array([["a"]])}, TypeError, ["masks['mask']", "numeric"]),
    ({"masks": {"": np.ones((3, 4, 4))}}, ValueError, ["mask name", "empty"]),
    ({"masks": np.ones((3, 3, 3, 3))}, ValueError, ["channel axis", "(3, 3, 3, 3)"]),
    ({"image": np.zeros((3, 20, 24, 2))}, ValueError, ["image", "channels", "(3, 20, 24, 2)"]),
    ({"image": np.zeros((20,))}, ValueError, ["image", "shape (20,)"]),
    ({"image": np.zeros((3, 0, 24, 3))}, ValueError, ["image", "empty"]),
    ({"image": np.full((3, 20, 24, 3), 1.5)}, ValueError, ["image", "[0, 1]", "1.5"]),
    ({"image": np.full((3, 20, 24, 3), 300)}, ValueError, ["image", "0..255", "300"]),
    ({"image": np.full((3, 20, 24, 3), "x")}, TypeError, ["image", "numeric"]),
    ({"image": np.zeros((1, 8193, 2, 1))}, ValueError, ["image", "8193", "8192"]),
    ({"max_outputs": 0}, ValueError, ["max_outputs", "at least 1", "0"]),
    ({"max_outputs": 1.5}, TypeError, ["max_outputs", "integer"]),
    ({"labels": ["a"]}, ValueError, ["labels", "1 labels", "3 images"]),
    ({"labels": ["a", "b", 3]}, TypeError, ["labels[2]", "string", "int"]),
    ({"method_params": {"nope": {}}}, ValueError, ["method_params", "'nope'", "'mask'"]),
    (
        {"method_params": {"mask": {"x": float("nan")}}},
        ValueError,
        ["method_params['mask']", "JSON"],
    ),
    ({"channel_reduction": "mean"}, ValueError, ["channel_reduction", "'mean'", "abs_sum"]),
    ({"tag": ""}, ValueError, ["tag", "empty"]),
    ({"tag": "a\nb"}, ValueError, ["tag", "control"]),
    ({"tag": 5}, TypeError, ["tag", "string"]),
]


def _good_call():
    return {
        "tag": "t",
        "image": IMAGES,
        "masks": np.ones((3, 20, 24)),
        "labels": None,
        "max_outputs": 3,
        "method_params": None,
        "channel_reduction": "sum",
    }


@pytest.mark.parametrize("override,error,words", BAD_INPUTS, ids=lambda v: str(v)[:40])
def test_bad_input_raises_and_writes_nothing(tmp_path, override, error, words):
    call = dict(_good_call(), **override)
    with pytest.raises(error) as raised:
        summary.saliency_pb(**call)
    for word in words:
        assert word in str(raised.value), (word, str(raised.value))
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        with pytest.raises(error):
            writer.add(call.pop("tag"), step=1, **call)
    assert reader.read_saliency(str(tmp_path)) == []
    assert _event_count(tmp_path) == 1  # only the file_version event


def _event_count(logdir):
    from tensorboard.backend.event_processing import event_file_loader

    (path,) = glob.glob(os.path.join(str(logdir), "events.out.tfevents.*"))
    return sum(1 for _ in event_file_loader.EventFileLoader(path).Load())


def test_tf_op_bad_input_raises_and_writes_nothing(tmp_path):
    import tensorflow as tf

    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        with pytest.raises(ValueError, match="not finite"):
            summary.saliency("t", IMAGES, _nan_mask(), step=1)
        with pytest.raises(ValueError, match="max_outputs"):
            summary.saliency("t", IMAGES, MASKS, step=1, max_outputs=0)
    writer.close()
    assert reader.read_saliency(str(tmp_path)) == []


def test_tf_op_without_writer_returns_false():
    assert not bool(summary.saliency("t", IMAGES, MASKS, step=0))


def test_writer_rejects_unknown_target():
    with pytest.raises(TypeError, match="target"):
        summary.SaliencyWriter(42)


def test_constant_mask_round_trips_exactly():
    blob, info = encoding.encode_mask(np.full((4, 5), -2.5, np.float32))
    np.testing.assert_array_equal(encoding.decode_mask(blob, info), np.full((4, 5), -2.5))


BATCH = np.random.default_rng(3).random((16, 12, 12, 3)).astype(np.float32)
BATCH_MASKS = {"smoothgrad": np.random.default_rng(4).random((16, 12, 12)).astype(np.float32)}


def test_whole_batch_kept_by_default(tmp_path, caplog):
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        writer.add("all", BATCH, BATCH_MASKS, 0)
    pb = summary.saliency_pb("all_pb", BATCH, BATCH_MASKS)
    assert len(reader.read_saliency(str(tmp_path))[0].images) == 16
    assert len(pb.value[0].tensor.string_val) == 1 + 16 * 2
    assert "max_outputs" not in caplog.text


def test_cut_batch_is_said_once_per_tag(tmp_path, caplog):
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        for step in range(3):
            writer.add("cut", BATCH, BATCH_MASKS, step, max_outputs=4)
    said = [r.getMessage() for r in caplog.records if "max_outputs=4" in r.getMessage()]
    assert len(said) == 1 and "keeps 4 of the batch's 16 images" in said[0] and "'cut'" in said[0]
    assert [len(r.images) for r in reader.read_saliency(str(tmp_path))] == [4, 4, 4]


@pytest.mark.parametrize(
    "mask_shape, words",
    [
        ((64, 32), ["64x32", "64x64", "aspect ratio"]),
        ((100, 100), ["100x100", "64x64"]),
        ((2, 64, 32), ["64x32", "images of 64x64"]),
    ],
)
def test_mismatched_mask_size_is_refused(tmp_path, mask_shape, words):
    images = np.zeros((2, 64, 64, 3), np.uint8)
    mask = np.ones(mask_shape if len(mask_shape) == 3 else (2,) + mask_shape, np.float32)
    with pytest.raises(ValueError) as raised:
        summary.saliency_pb("t", images, {"grad": mask})
    for word in words + ["masks['grad']"]:
        assert word in str(raised.value)


@pytest.mark.parametrize(
    "image_size, mask_size",
    [
        ((224, 224), (7, 7)),
        ((224, 224), (14, 14)),
        ((48, 64), (3, 4)),
        ((100, 150), (49, 74)),
    ],
)
def test_smaller_mask_with_the_image_aspect_is_accepted(image_size, mask_size):
    images = np.zeros((1,) + image_size + (3,), np.uint8)
    summary.saliency_pb("t", images, {"cam": np.ones((1,) + mask_size, np.float32)})


def test_log_directory_that_is_a_file(tmp_path):
    path = tmp_path / "logs"
    path.write_text("not a directory")
    with pytest.raises(ValueError, match="target: expected a log directory, got .*which is a file"):
        summary.SaliencyWriter(str(path))
