"""Ground-truth regions: checked, stored with the pixels by every writer (format 6),
read back, and served by TensorBoard on both backends."""

import json

import numpy as np
import pytest
from helpers import tb_backends

from tensorboard_plugin_saliency import reader, summary
from tensorboard_plugin_saliency.format import codec, encoding
from tensorboard_plugin_saliency.format.manifest import Manifest
from tensorboard_plugin_saliency.regions import Regions, prepare_regions, region_of

H, W = 12, 20


def _batch(n=3):
    rng = np.random.default_rng(0)
    images = rng.random((n, H, W, 3), np.float32)
    masks = {"grad": rng.random((n, H, W), np.float32)}
    return images, masks


def _label_maps(n=3):
    maps = np.full((n, H, W), -1, np.int64)
    maps[0, 2:6, 3:9] = 2
    maps[0, 8:, :] = 0
    if n > 1:
        maps[1] = 7
    return maps


def _regions():
    return Regions(
        label_maps=[*_label_maps(2), None],
        boxes=[None, [[1, 2, 10, 12]], [[0, 0, W, H], [3, 3, 5, 5]]],
        box_labels=[None, [4], [1, 2]],
    )


def _assert_read_back(record):
    first, second, third = record.regions
    assert first.kind == "labels" and first.boxes == ()
    assert np.array_equal(first.mask, _label_maps()[0] + 1)
    assert second.boxes == ((1, 2, 10, 12, 4),)
    assert third.mask is None and third.boxes == ((0, 0, W, H, 1), (3, 3, 5, 5, 2))


@pytest.mark.parametrize("writer_options", [{}, {"parts": False}, {"assets": False}])
def test_regions_are_read_back_from_every_saliency_writer(tmp_path, writer_options):
    images, masks = _batch()
    with summary.SaliencyWriter(str(tmp_path), **writer_options) as writer:
        writer.add("val", images, masks, 0, regions=_regions())
        writer.add("val", images, masks, 1)
    with_regions, without = reader.read_saliency(str(tmp_path))
    _assert_read_back(with_regions)
    assert without.regions == [None, None, None]
    assert np.array_equal(with_regions.masks["grad"], without.masks["grad"])


def test_the_proto_writer_and_the_tf_op_store_regions(tmp_path):
    import tensorflow as tf

    images, masks = _batch()
    proto = summary.saliency_pb("pb", images, masks, regions=_regions())
    blobs = [bytes(b) for b in tf.make_ndarray(proto.value[0].tensor).tolist()]
    decoded = encoding.decode_summary(blobs)
    _assert_read_back(decoded)
    assert json.loads(blobs[0])["version"] == 6
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        summary.saliency("op", images, masks, step=3, regions=_regions())
    (record,) = reader.read_saliency(str(tmp_path))
    _assert_read_back(record)


def test_a_summary_without_regions_stays_in_the_older_format():
    images, masks = _batch()
    blobs = encoding.encode_summary(images, masks, ids=["a", "b", "c"])
    assert json.loads(blobs[0])["version"] == 5
    assert Manifest.from_json(blobs[0]).pixel_blob_count == 6


def test_region_masks_follow_every_mask_in_the_blob_sequence():
    images, masks = _batch()
    maps = _label_maps()
    blobs = encoding.encode_summary(images, masks, regions={"label_maps": maps})
    manifest = Manifest.from_json(blobs[0])
    assert len(blobs) == 1 + 3 * 2 + 3
    assert [manifest.region_index(i) for i in range(3)] == [7, 8, 9]
    for i in range(3):
        stored = codec.decode_mask(blobs[7 + i], manifest.samples[i].region.mask)
        assert np.array_equal(np.rint(stored), maps[i] + 1)


def test_region_of_takes_the_explained_class():
    (labelled,) = prepare_regions({"label_maps": _label_maps(1)}, 1, (H, W))
    assert region_of(labelled, 2, (H, W)).sum() == 24
    assert region_of(labelled, 0, (H, W)).sum() == 4 * W
    assert region_of(labelled, 5, (H, W)).sum() == 0
    (binary,) = prepare_regions(
        Regions(masks=_label_maps(1) >= 0, boxes=[[[0, 0, 2, 2]]], box_labels=[[5]]), 1, (H, W)
    )
    assert region_of(binary, 9, (H, W)).sum() == 24 + 4 * W
    assert region_of(binary, 5, (H, W)).sum() == 24 + 4 * W + 4
    assert region_of(None, 0, (H, W)).sum() == 0


@pytest.mark.parametrize(
    "regions, message",
    [
        ({"masks": np.ones((3, H, W)), "label_maps": np.ones((3, H, W), int)}, "not both"),
        ({"mask": np.ones((3, H, W))}, "unknown key 'mask'"),
        ({"masks": np.ones((2, H, W))}, "one entry per image \\(3\\), got 2"),
        ({"masks": np.ones((3, H, W + 1))}, "regions.masks\\[0\\]: expected shape \\(12, 20\\)"),
        ({"label_maps": np.ones((3, H, W))}, "label_maps\\[0\\]: expected integer class"),
        ({"label_maps": np.full((3, H, W), -2)}, "or -1 for no class"),
        ({"boxes": [[[0, 0, W + 1, 4]], None, None]}, "boxes\\[0\\]\\[0\\]: expected 0 <= x0"),
        ({"boxes": [[[5, 0, 5, 4]], None, None]}, "x0 < x1"),
        ({"boxes": [[1, 2, 3], None, None]}, "expected boxes \\[k, 4\\]"),
        (
            {"boxes": [[[0, 0, 2, 2]], None, None], "box_labels": [[1, 2], None, None]},
            "one per box",
        ),
        ({"box_labels": [[1], None, None]}, "box_labels without boxes"),
        ("boxes", "expected a Regions"),
    ],
)
def test_bad_regions_are_refused_with_what_was_expected(tmp_path, regions, message):
    images, masks = _batch()
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        with pytest.raises((TypeError, ValueError), match=message):
            writer.add("val", images, masks, 0, regions=regions)
    assert reader.read_saliency(str(tmp_path)) == []


@pytest.mark.parametrize("backend", tb_backends.BACKENDS)
def test_tensorboard_serves_each_images_region(tmp_path, backend):
    images, masks = _batch()
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        writer.add(
            "val", images, masks, 0, regions=_regions(), fields={"true": [2, 4, 1]}, ids=list("abc")
        )
    with tb_backends.wsgi_client(str(tmp_path), backend) as client:

        def get(route, **headers):
            response = client.get("/data/plugin/saliency/" + route, headers=headers)
            assert response.status_code == 200, response.get_data()
            return response

        first = json.loads(get("sample?run=.&tag=val&sample=0").get_data())["region"]
        assert first["kind"] == "labels" and first["boxes"] == [] and first["class"] == 2
        blob = get(first["mask"]["url"], **{"Accept-Encoding": "gzip"}).get_data()
        values = codec.decode_mask(blob, first["mask"])
        assert np.array_equal(np.rint(values), _label_maps()[0] + 1)
        third = json.loads(get("sample?run=.&tag=val&sample=2").get_data())["region"]
        assert third["mask"] is None
        assert third["boxes"] == [
            {"box": [0, 0, W, H], "label": 1},
            {"box": [3, 3, 5, 5], "label": 2},
        ]
        strip = json.loads(get("samples?run=.&tag=val&sample=1").get_data())
        assert strip[0]["region"]["boxes"] == [{"box": [1, 2, 10, 12], "label": 4}]
