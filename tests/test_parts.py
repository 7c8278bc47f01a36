"""A step written in parts (format 5): many `add` calls, from one process or many,
make one step holding every image exactly once, read back the same way by
`read_saliency` and by the plugin on both TensorBoard backends (`/steps`, `/table`,
`/sample` and the pixels it names)."""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from helpers import tb_backends

from tensorboard_plugin_saliency import reader, summary
from tensorboard_plugin_saliency.format import parts

SIZE = 8


def _batch(n, seed):
    """`n` images whose first pixel holds `seed * 10 + i`: each image says who wrote it."""
    images = np.zeros((n, SIZE, SIZE, 3), np.uint8)
    images[:, 0, 0, 0] = [seed * 10 + i for i in range(n)]
    masks = np.tile(np.arange(n, dtype=np.float32)[:, None, None], (1, SIZE, SIZE))
    return images, {"grad": masks + seed}


def _tags(client, path):
    answer = client.get("/data/plugin/saliency/" + path)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return json.loads(answer.get_data(as_text=True))


def test_two_calls_for_one_step_make_one_step_of_both(tmp_path):
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        writer.add("val", *_batch(4, 1), step=3)
        writer.add("val", *_batch(3, 2), step=3)
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.step == 3 and record.parts == (2, None)
    assert record.images[:, 0, 0, 0].tolist() == [10, 11, 12, 13, 20, 21, 22]
    assert record.masks["grad"][:, 0, 0].tolist() == [1, 2, 3, 4, 2, 3, 4]
    keys = {i.rsplit(":", 1)[0] for i in record.ids}
    assert len(keys) == 2 and len(set(record.ids)) == 7


def test_parts_are_ordered_by_key_and_a_key_written_again_replaces(tmp_path):
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        writer.add("val", *_batch(2, 3), step=0, part="c", parts=3)
        writer.add("val", *_batch(2, 1), step=0, part="a", parts=3)
        writer.add("val", *_batch(2, 9), step=0, part="b", parts=3)
        writer.add("val", *_batch(3, 2), step=0, part="b", parts=3)  # a retry, bigger
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.images[:, 0, 0, 0].tolist() == [10, 11, 20, 21, 22, 30, 31]
    assert record.ids == ["a:0", "a:1", "b:0", "b:1", "b:2", "c:0", "c:1"]
    assert record.parts == (3, 3)
    directory = tmp_path / "plugins" / "saliency" / "val"
    records = sorted(os.listdir(directory / "0.parts"))
    assert [parts.parse_name(r).key for r in records] == ["a", "b", "c"]
    assets = [n for n in os.listdir(directory) if n.endswith(".bin")]
    assert len(assets) == 3  # the replaced part's pixels are gone with it


def test_fields_ids_and_captions_read_back(tmp_path):
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        writer.add(
            "val",
            *_batch(3, 1),
            step=1,
            fields={
                "true": [0, 1, 2],
                "predicted": np.array([0, 2, 2]),
                "confidence": [0.9, 0.55, float("nan")],
                "site": ["A", None, "B"],
                "age": [61, 44.5, None],
            },
            class_names=["cat", "dog", "owl"],
            ids=["x7", "y2", "z9"],
        )
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.ids == ["x7", "y2", "z9"]
    assert record.class_names == ["cat", "dog", "owl"]
    assert record.labels == [
        "true: cat · pred: cat 0.90",
        "true: dog · pred: owl 0.55",
        "true: owl · pred: owl",
    ]
    assert record.fields[0] == {
        "true": 0,
        "predicted": 0,
        "confidence": 0.9,
        "site": "A",
        "age": 61.0,
        "correct": True,
    }
    assert record.fields[1]["correct"] is False and "site" not in record.fields[1]
    assert "confidence" not in record.fields[2]  # NaN: missing


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"true": [0, 1]}, r"fields\['true'\]: expected one value per image \(3\), got 2"),
        ({"true": [0, -1, 2]}, r"fields\['true'\]\[1\]: expected a class index"),
        ({"predicted": [0, 1, 5]}, r"class 5 is past the 3 class_names"),
        ({"loss": [0.1, "high", 0.2]}, r"fields\['loss'\]\[1\]: expected a number, got 'high'"),
        ({"note": ["x" * 300, "", ""]}, r"at most 256 characters"),
        ({"": [1, 2, 3]}, r"names of 1 to 64 characters"),
        ({"probabilities": [[1, 0]] * 3}, r"expected 3 classes \(class_names\), got 2"),
    ],
)
def test_bad_fields_name_what_was_wrong_and_write_nothing(tmp_path, fields, message):
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        with pytest.raises((TypeError, ValueError), match=message):
            writer.add("val", *_batch(3, 1), step=0, fields=fields, class_names=["a", "b", "c"])
    assert not (tmp_path / "plugins").exists()


def test_bad_part_keys_and_ids(tmp_path):
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        with pytest.raises(ValueError, match=r"part: expected a key of 1 to 64 letters"):
            writer.add("val", *_batch(2, 1), step=0, part="../x")
        with pytest.raises(ValueError, match=r"parts: expected a positive integer, got 0"):
            writer.add("val", *_batch(2, 1), step=0, parts=0)
        with pytest.raises(ValueError, match=r"ids: expected distinct ids, got 'a' more"):
            writer.add("val", *_batch(2, 1), step=0, ids=["a", "a"])
    with summary.SaliencyWriter(str(tmp_path / "inline"), assets=False) as writer:
        with pytest.raises(ValueError, match=r"a step in parts needs asset files"):
            writer.add("val", *_batch(2, 1), step=0, part="a")


_PART_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from tensorboard_plugin_saliency import summary
    logdir, rank, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    time.sleep(delay)
    images = np.zeros((5, 8, 8, 3), np.uint8)
    images[:, 0, 0, 0] = [rank * 10 + i for i in range(5)]
    masks = np.full((5, 8, 8), rank, np.float32)
    fields = {"true": [rank % 3] * 5, "predicted": [(rank + i) % 3 for i in range(5)]}
    with summary.SaliencyWriter(logdir) as writer:
        writer.add("val", images, {"grad": masks}, step=7, part="rank%d" % rank, parts=8,
                   fields=fields, class_names=["a", "b", "c"])
    """
)


@pytest.fixture(scope="module")
def eight_writers(tmp_path_factory):
    """A log directory where 8 processes, started at once in random order, each wrote
    1/8 of step 7; rank 3 was killed before it wrote, then run again."""
    logdir = str(tmp_path_factory.mktemp("ranks"))
    script = os.path.join(logdir, "..", "write_part.py")
    with open(script, "w") as f:
        f.write(_PART_WRITER)
    ranks = list(range(8))
    random.Random(0).shuffle(ranks)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    started = {
        rank: subprocess.Popen(
            [sys.executable, script, logdir, str(rank), "60" if rank == 3 else "0"], env=env
        )
        for rank in ranks
    }
    time.sleep(1)
    started[3].send_signal(signal.SIGKILL)
    assert started[3].wait() == -signal.SIGKILL
    for rank, process in started.items():
        if rank != 3:
            assert process.wait(timeout=120) == 0
    subprocess.run([sys.executable, script, logdir, "3", "0"], env=env, check=True)
    return logdir


def test_eight_processes_make_one_step_read_by_read_saliency(eight_writers):
    (record,) = reader.read_saliency(eight_writers)
    assert record.parts == (8, 8)
    assert record.images[:, 0, 0, 0].tolist() == [r * 10 + i for r in range(8) for i in range(5)]
    assert record.ids == ["rank%d:%d" % (r, i) for r in range(8) for i in range(5)]
    assert [f["true"] for f in record.fields] == [r % 3 for r in range(8) for _ in range(5)]


@pytest.mark.parametrize("backend", tb_backends.BACKENDS)
def test_eight_processes_make_one_step_in_tensorboard(eight_writers, backend):
    with tb_backends.wsgi_client(eight_writers, backend) as client:
        tags = _tags(client, "tags")
        assert tags["."]["val"]["samples"] == 40
        assert _tags(client, "steps?run=.&tag=val")[0]["samples"] == 40
        table = _tags(client, "table?run=.&tag=val")
        assert table["samples"] == 40 and table["parts"] == {"found": 8, "expected": 8}
        assert table["columns"]["id"] == ["rank%d:%d" % (r, i) for r in range(8) for i in range(5)]
        assert table["columns"]["correct"][:5] == [True, False, False, True, False]
        for row in (0, 17, 39):
            sample = _tags(client, "sample?run=.&tag=val&sample=%d" % row)
            assert sample["samples"] == 40
            image = client.get("/data/plugin/saliency/" + sample["image"]["url"])
            assert image.status_code == 200
            from tensorboard_plugin_saliency.format import codec

            pixels = codec.decode_png(image.get_data())
            assert pixels[0, 0, 0] == (row // 5) * 10 + row % 5
        missing = client.get("/data/plugin/saliency/sample?run=.&tag=val&sample=40")
        assert missing.status_code == 404


def test_a_step_whose_parts_are_still_arriving_says_how_many_it_holds(tmp_path):
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        writer.add("val", *_batch(2, 1), step=0, part="r0", parts=4)
    with tb_backends.wsgi_client(str(tmp_path), "python") as client:
        table = _tags(client, "table?run=.&tag=val&step=0")
        assert table["parts"] == {"found": 1, "expected": 4} and table["samples"] == 2
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        writer.add("val", *_batch(3, 2), step=0, part="r1", parts=4)
    with tb_backends.wsgi_client(str(tmp_path), "python") as client:
        table = _tags(client, "table?run=.&tag=val&step=0")
        assert table["parts"] == {"found": 2, "expected": 4} and table["samples"] == 5


@pytest.mark.parametrize("backend", tb_backends.BACKENDS)
def test_sample_of_a_step_in_parts_answers_from_its_part_alone(tmp_path, backend):
    """/sample gives the image's own scores and curve, and leaves the step's means
    (which every part would have to be read for) to /table."""
    with summary.SaliencyWriter(str(tmp_path)) as writer:
        for number, values in enumerate(([0.1, 0.2], [0.3, 0.6, 0.9])):
            curves = [[1.0, v, 0.0] for v in values]
            writer.add(
                "val",
                *_batch(len(values), number),
                step=0,
                part="p%d" % number,
                scores={"grad": {"deletion_auc": values, "deletion_curve": curves}},
            )
    with tb_backends.wsgi_client(str(tmp_path), backend) as client:
        sample = _tags(client, "sample?run=.&tag=val&step=0&sample=3")
        assert sample["scores"] == {
            "grad": {"deletion_auc": pytest.approx(0.6), "deletion_curve": [1.0, 0.6, 0.0]}
        }
        assert sample["batch_scores"] is None
        table = _tags(client, "table?run=.&tag=val&step=0")
        assert table["scores"]["grad"]["deletion_auc"] == pytest.approx([0.1, 0.2, 0.3, 0.6, 0.9])
        (first,) = _tags(client, "samples?run=.&tag=val&sample=3")
        assert first["scores"] == {"grad": {"deletion_auc": pytest.approx(0.6)}}
        assert first["batch_scores"] is None


def test_table_of_a_step_without_fields_and_bad_requests(tmp_path):
    with summary.SaliencyWriter(str(tmp_path), assets=False) as writer:
        writer.add("val", *_batch(2, 1), step=0, labels=["p", "q"])
    with tb_backends.wsgi_client(str(tmp_path), "python") as client:
        table = _tags(client, "table?run=.&tag=val")
        assert table["columns"] == {"id": ["0", "1"], "label": ["p", "q"]}
        assert table["fields"] == [] and table["parts"] == {"found": 1, "expected": None}
        for query, code in [
            ("tag=val", 400),
            ("run=.&tag=val&step=x", 400),
            ("run=.&tag=val&step=5", 404),
            ("run=.&tag=nope", 404),
            ("run=.&tag=val&sort=loss", 400),
        ]:
            answer = client.get("/data/plugin/saliency/table?" + query)
            assert answer.status_code == code, (query, answer.get_data(as_text=True))
            assert "error" in json.loads(answer.get_data(as_text=True))
