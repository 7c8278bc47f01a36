"""Scores in the stored format (version 2): checked on the way in, round-tripped,
cut with the batch, and version 1 manifests read as manifests without scores; in
format 4, curves in the asset file and numbers in the record."""

import json
import os

import numpy as np
import pytest
from helpers import saliency_logdir, tb_backends
from werkzeug.test import Client

from tensorboard_plugin_saliency import reader, scores, summary
from tensorboard_plugin_saliency.format import assets, encoding, manifest, metadata

IMAGES = np.random.default_rng(0).random((3, 8, 8, 3)).astype(np.float32)
MASKS = {"a": np.random.default_rng(1).random((3, 8, 8)), "b": np.ones((3, 4, 4))}
GOOD = {
    "a": {
        "deletion_auc": [0.1, 0.2, 0.3],
        "deletion_curve": [[1.0, 0.5, 0.0], [1.0, 0.25, 0.0], [0.5, 0.5, 0.5]],
        "infidelity": np.array([3.0, 2.0, 1.0]),
    }
}


def _manifest_record(blobs):
    return json.loads(bytes(blobs[0]).decode())


def test_scores_round_trip_through_a_log_directory(tmp_path):
    with summary.SaliencyWriter(str(tmp_path), parts=False) as writer:
        writer.add("t", IMAGES, MASKS, 1, scores=GOOD)
        writer.add("t", IMAGES, MASKS, 2)
    first, second = reader.read_saliency(str(tmp_path))
    assert sorted(first.scores) == ["a"]
    np.testing.assert_array_equal(first.scores["a"]["deletion_auc"], [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(first.scores["a"]["deletion_curve"][1], [1.0, 0.25, 0.0])
    np.testing.assert_array_equal(first.scores["a"]["infidelity"], [3.0, 2.0, 1.0])
    assert second.scores == {}


def test_version_2_only_when_there_are_scores():
    with_scores = encoding.encode_summary(IMAGES, MASKS, scores=GOOD)
    without = encoding.encode_summary(IMAGES, MASKS)
    assert _manifest_record(with_scores)["version"] == manifest.SCORES_VERSION == 2
    assert _manifest_record(without)["version"] == 1
    assert "scores" not in _manifest_record(without)
    assert metadata.FORMAT_VERSION == 6  # asset files (3, 4), fields and parts (5), regions (6)


def test_a_version_1_manifest_has_no_scores_even_if_it_names_some():
    record = _manifest_record(encoding.encode_summary(IMAGES, MASKS))
    record["scores"] = {"a": {"x": [1, 2, 3]}}
    parsed = manifest.Manifest.from_json(json.dumps(record).encode())
    assert parsed.scores == {}


def test_malformed_stored_scores_are_a_manifest_error():
    record = _manifest_record(encoding.encode_summary(IMAGES, MASKS, scores=GOOD))
    record["scores"]["a"]["deletion_auc"] = [0.1, 0.2]
    with pytest.raises(manifest.ManifestError, match="deletion_auc"):
        manifest.Manifest.from_json(json.dumps(record).encode())


def test_max_outputs_cuts_the_scores():
    blobs = encoding.encode_summary(IMAGES, MASKS, scores=GOOD, max_outputs=2)
    decoded = encoding.decode_summary(blobs)
    np.testing.assert_array_equal(decoded.scores["a"]["deletion_auc"], [0.1, 0.2])
    assert decoded.scores["a"]["deletion_curve"].shape == (2, 3)


@pytest.mark.parametrize(
    "bad, error, words",
    [
        ([1, 2, 3], TypeError, "scores: expected a dict"),
        ({"c": {"x": [1, 2, 3]}}, ValueError, "'c' is not a mask name; the masks are 'a', 'b'"),
        ({"a": [1, 2, 3]}, TypeError, r"scores\['a'\]: expected a dict"),
        ({"a": {"": [1, 2, 3]}}, ValueError, "score names of 1 to 100 characters"),
        ({"a": {"x": [1, 2]}}, ValueError, r"scores\['a'\]\['x'\]: expected 3 values"),
        ({"a": {"x": [1, np.inf, 3]}}, ValueError, "expected finite numbers, got inf at"),
        ({"a": {"x": ["p", "q", "r"]}}, TypeError, "one number or one curve"),
        ({"a": {"x": [[1], [2], [3]]}}, ValueError, "curves of 2 to 1000 points"),
        ({"a": {"x": [[1, 2], [3], [4, 5]]}}, TypeError, "one number or one curve"),
    ],
)
def test_bad_scores_name_what_is_wrong(bad, error, words):
    with pytest.raises(error, match=words):
        summary.saliency_pb("t", IMAGES, MASKS, scores=bad)


def test_per_sample_and_batch_views():
    prepared = scores.prepare_scores(GOOD, ["a", "b"], 3)
    assert scores.of_sample(prepared, 1)["a"]["deletion_auc"] == 0.2
    assert scores.of_sample(prepared, 1)["a"]["deletion_curve"] == [1.0, 0.25, 0.0]
    means = scores.means(prepared)
    assert means["a"]["deletion_auc"] == pytest.approx(0.2)
    assert "deletion_curve" not in means["a"]


def test_add_scalar(tmp_path):
    from tensorboard.backend.event_processing import event_accumulator

    with summary.SaliencyWriter(str(tmp_path), parts=False) as writer:
        writer.add_scalar("t/faithfulness/a/deletion_auc", 0.25, 7)
        with pytest.raises(ValueError, match="value: expected a finite number"):
            writer.add_scalar("t/x", float("nan"), 1)
        with pytest.raises(TypeError, match="value: expected a number"):
            writer.add_scalar("t/x", "high", 1)
    accumulator = event_accumulator.EventAccumulator(str(tmp_path))
    accumulator.Reload()
    (event,) = accumulator.Tensors("t/faithfulness/a/deletion_auc")
    assert event.step == 7
    assert accumulator.SummaryMetadata("t/faithfulness/a/deletion_auc").plugin_data.plugin_name == (
        "scalars"
    )


# ---------------------------------------------------------------- curves in asset files


def _curves_logdir(tmp_path):
    """Run `run`, tag `t`: step 1 with `GOOD` scores (a curve among numbers), in an
    asset file; returns `(logdir, run directory)`."""
    run = str(tmp_path / "run")
    with summary.SaliencyWriter(run, parts=False) as writer:
        writer.add("t", IMAGES, MASKS, 1, scores=GOOD)
    return str(tmp_path), run


def test_curves_live_in_the_asset_file_and_numbers_in_the_record(tmp_path):
    logdir, run = _curves_logdir(tmp_path)
    ((_, stored, count),) = saliency_logdir.manifests(run, "t")
    assert count == 1 and stored.asset.curves
    assert stored.scores == {"a": {"deletion_auc": [0.1, 0.2, 0.3], "infidelity": [3.0, 2.0, 1.0]}}
    assert "deletion_curve" not in stored.to_json().decode()
    # The file ends with the curves, checked like every other blob.
    blob = assets.read_blob(run, stored.asset, stored.asset.curves_index)
    assert json.loads(blob) == {"a": {"deletion_curve": GOOD["a"]["deletion_curve"]}}
    (record,) = reader.read_saliency(logdir)
    assert list(record.scores["a"]) == ["deletion_auc", "infidelity", "deletion_curve"]
    np.testing.assert_array_equal(record.scores["a"]["deletion_curve"], GOOD["a"]["deletion_curve"])


@pytest.mark.parametrize("backend", tb_backends.BACKENDS)
def test_sample_answers_the_curves_and_samples_the_numbers(tmp_path, backend):
    logdir, _ = _curves_logdir(tmp_path)
    with tb_backends.data_provider(logdir, backend) as provider:
        client = Client(tb_backends.make_app(provider, logdir))
        query = "run=run&tag=t&sample=1"
        one = json.loads(client.get("/data/plugin/saliency/sample?" + query).data)
        every = json.loads(client.get("/data/plugin/saliency/samples?" + query).data)
    assert one["scores"] == {
        "a": {"deletion_auc": 0.2, "infidelity": 2.0, "deletion_curve": [1.0, 0.25, 0.0]}
    }
    assert [e["scores"] for e in every] == [{"a": {"deletion_auc": 0.2, "infidelity": 2.0}}]
    assert one["batch_scores"] == every[0]["batch_scores"]
    assert one["batch_scores"]["a"]["deletion_auc"] == pytest.approx(0.2)


@pytest.mark.parametrize("backend", tb_backends.BACKENDS)
def test_damaged_curves_are_a_422_and_a_clear_error(tmp_path, backend):
    logdir, run = _curves_logdir(tmp_path)
    ((_, stored, _),) = saliency_logdir.manifests(run, "t")
    start, _ = stored.asset.span(stored.asset.curves_index)
    path = os.path.join(run, *stored.asset.path.split("/"))
    with open(path, "r+b") as f:
        f.seek(start + 2)
        f.write(b"#")
    with pytest.raises(assets.DamagedAssetError, match="damaged"):
        reader.read_saliency(logdir)
    with tb_backends.data_provider(logdir, backend) as provider:
        client = Client(tb_backends.make_app(provider, logdir))
        response = client.get("/data/plugin/saliency/sample?run=run&tag=t")
        samples = client.get("/data/plugin/saliency/samples?run=run&tag=t")
    assert response.status_code == 422
    assert os.path.basename(path) in json.loads(response.data)["error"]
    assert samples.status_code == 200  # the filmstrip does not need the curves
