"""Log directories on object storage: a real S3-compatible server (`moto_server`) on
127.0.0.1, written by `SaliencyWriter`, read back by `read_saliency` and the CLI, and
served by a real `tensorboard` that reads S3 itself; `memory://` in-process; the
named errors of a scheme whose package is missing, and of a bucket that does not
exist (never created). No local folder named like a URL is ever made."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from helpers import saliency_logdir
from helpers.s3_server import BUCKET, client, s3_server, server_missing
from helpers.tb_process import fetch, fetch_json, tensorboard_process

from tensorboard_plugin_saliency import cli, event_writer, reader, storage, summary
from tensorboard_plugin_saliency.format import assets

STEPS = (0, 5, 10)


@pytest.fixture(scope="module")
def s3():
    missing = server_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def no_local_url_folders(tmp_path, monkeypatch):
    """Every test runs in an empty folder; none may leave `s3:`, `gs:` or `memory:` in it."""
    monkeypatch.chdir(tmp_path)
    yield
    made = [n for n in os.listdir(tmp_path) if n.rstrip(":") in ("s3", "gs", "memory", "ram")]
    assert made == [], "a URL was written as a local path: %s" % made


def batch(step):
    rng = np.random.default_rng(step)
    images = rng.integers(0, 256, (3, 8, 10, 3), dtype=np.uint8)
    masks = {
        "grad": rng.standard_normal((3, 8, 10)).astype(np.float32),
        "cam": rng.random((3, 2, 3)),
    }
    return images, masks


def write(logdir):
    with summary.SaliencyWriter(logdir) as writer:
        for step in STEPS:
            images, masks = batch(step)
            writer.add("sal/val", images, masks, step, labels=["a", "b", "c"], walltime=1.0 + step)


def same_records(ours, theirs):
    assert [(r.run, r.tag, r.step) for r in ours] == [(r.run, r.tag, r.step) for r in theirs]
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.images, b.images)
        assert a.masks.keys() == b.masks.keys()
        for name in a.masks:
            np.testing.assert_array_equal(a.masks[name], b.masks[name])
        assert a.labels == b.labels


def test_s3_round_trip_bit_for_bit(s3, tmp_path):
    write("s3://%s/roundtrip/run1" % BUCKET)
    write(str(tmp_path / "local" / "run1"))
    same_records(
        reader.read_saliency("s3://%s/roundtrip" % BUCKET),
        reader.read_saliency(str(tmp_path / "local")),
    )
    keys = [
        o["Key"] for o in client().list_objects_v2(Bucket=BUCKET, Prefix="roundtrip/")["Contents"]
    ]
    events = [k for k in keys if k.startswith("roundtrip/run1/events.out.tfevents.")]
    below = "roundtrip/run1/plugins/saliency/sal%2Fval/"
    asset_files = [k for k in keys if k.startswith(below) and k.endswith(".bin")]
    part_records = [k for k in keys if k.startswith(below) and k.endswith(".json")]
    assert events and len(asset_files) == len(part_records) == len(STEPS)
    assert sorted(events + asset_files + part_records) == sorted(keys)
    run = "s3://%s/roundtrip/run1" % BUCKET
    assert saliency_logdir.assert_blobs_read_alone(run, "sal/val") == list(STEPS)


def test_memory_round_trip(tmp_path):
    write("memory://saliency-test/run1")
    write(str(tmp_path / "local" / "run1"))
    same_records(
        reader.read_saliency("memory://saliency-test"),
        reader.read_saliency(str(tmp_path / "local")),
    )
    run = "memory://saliency-test/run1"
    assert saliency_logdir.assert_blobs_read_alone(run, "sal/val") == list(STEPS)


def test_tensorflow_file_system_round_trip(tmp_path):
    """`tf.io.gfile`'s path (as for gs:// with TensorFlow), on TensorFlow's own ram://."""
    pytest.importorskip("tensorflow")
    write("ram://saliency-test/run1")
    write(str(tmp_path / "local" / "run1"))
    same_records(
        reader.read_saliency("ram://saliency-test"),
        reader.read_saliency(str(tmp_path / "local")),
    )
    run = "ram://saliency-test/run1"
    assert saliency_logdir.assert_blobs_read_alone(run, "sal/val") == list(STEPS)


def test_cli_renders_from_s3(s3, tmp_path):
    write("s3://%s/cli/run1" % BUCKET)
    out = tmp_path / "overlay.png"
    args = ["render", "--logdir", "s3://%s/cli" % BUCKET, "--run", "run1", "--tag", "sal/val"]
    assert cli.main(args + ["--mask", "grad", "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_a_failed_upload_raises_and_keeps_the_records(s3):
    s3_client = client()
    s3_client.create_bucket(Bucket="doomed")
    writer = summary.SaliencyWriter("s3://doomed/run1")
    images, masks = batch(0)
    writer.add("sal/val", images, masks, 0)
    # The bucket goes away: the upload of step 0 must fail loudly, not vanish.
    for o in s3_client.list_objects_v2(Bucket="doomed").get("Contents", []):
        s3_client.delete_object(Bucket="doomed", Key=o["Key"])
    s3_client.delete_bucket(Bucket="doomed")
    with pytest.raises(OSError):
        writer.flush()
    with pytest.raises(OSError):  # step 1's pixels cannot go up, so no record names them
        writer.add("sal/val", images, masks, 1)
    s3_client.create_bucket(Bucket="doomed")
    writer.close()  # the kept record of step 0 goes up with the next flush
    multiplexer = reader.load_logdir("s3://doomed")
    assert [e.step for e in multiplexer.Tensors("run1", "sal/val")] == [0]
    # Step 0's asset file went with the bucket: reading names the missing file.
    with pytest.raises(assets.MissingAssetError, match=r"s3://doomed/run1/plugins/saliency/"):
        reader.read_saliency("s3://doomed")


def bucket_names():
    return sorted(b["Name"] for b in client().list_buckets()["Buckets"])


@pytest.mark.parametrize("logdir", ["s3://my-bukcet/logs/run1", "s3://my-bukcet"])
def test_a_missing_bucket_is_an_error_naming_it_and_nothing_is_made(s3, logdir):
    """A misspelt bucket is not created (fsspec's makedirs on S3 would): every way of
    writing raises, naming the bucket, and the server holds the buckets it held."""
    before = bucket_names()
    assert "my-bukcet" not in before
    expected = r"bucket 'my-bukcet' does not exist \(expected an existing bucket"
    with pytest.raises(storage.StorageError, match=expected) as raised:
        summary.SaliencyWriter(logdir)
    assert str(raised.value).startswith(repr(logdir) + ": ")
    with pytest.raises(storage.StorageError, match=expected):
        event_writer.EventFileWriter(logdir)
    with pytest.raises(storage.StorageError, match=expected):  # asset files, part records
        storage.location(logdir).put_file("plugins/saliency/x.bin", b"pixels")
    with pytest.raises(storage.StorageError, match=expected):
        storage.location(logdir).makedirs()
    assert bucket_names() == before


def test_a_writer_looks_at_its_bucket_once(s3, monkeypatch):
    """One request about the bucket when the writer is made; none for each upload."""
    import s3fs

    looks = []
    call_s3 = s3fs.S3FileSystem._call_s3

    async def counting(self, method, *args, **kwargs):
        if method in ("head_bucket", "get_bucket_location", "create_bucket"):
            looks.append((method, kwargs.get("Bucket")))
        return await call_s3(self, method, *args, **kwargs)

    monkeypatch.setattr(s3fs.S3FileSystem, "_call_s3", counting)
    write("s3://%s/looks/run1" % BUCKET)
    assert looks == [("head_bucket", BUCKET)]


def test_a_log_directory_at_a_bucket_root(s3):
    client().create_bucket(Bucket="rootrun")
    before = bucket_names()
    write("s3://rootrun")
    assert [r.step for r in reader.read_saliency("s3://rootrun")] == list(STEPS)
    assert bucket_names() == before


def test_tensorboard_reads_s3_itself(s3):
    write("s3://%s/served/run1" % BUCKET)
    logdir = "s3://%s/served" % BUCKET
    with tensorboard_process(logdir, without_tensorflow=True, wait_for_runs=["run1"]) as url:
        tags = fetch_json(url + "/data/plugin/saliency/tags")
        assert tags["run1"]["sal/val"]["samples"] == 3
        steps = fetch_json(url + "/data/plugin/saliency/steps?run=run1&tag=sal/val")
        assert [s["step"] for s in steps] == list(STEPS)
        sample = fetch_json(url + "/data/plugin/saliency/sample?run=run1&tag=sal/val&sample=1")
        status, headers, body = fetch(url + "/data/plugin/saliency/" + sample["image"]["url"])
        assert status == 200 and body[:4] == b"\x89PNG"


WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from tensorboard_plugin_saliency import summary
    writer = summary.SaliencyWriter(sys.argv[1])
    rng = np.random.default_rng(0)
    step = 0
    while True:
        images = rng.integers(0, 256, (4, 64, 64, 3), dtype=np.uint8)
        writer.add("sal/val", images, {"grad": rng.random((4, 64, 64))}, step)
        writer.flush()
        print(step, flush=True)
        step += 1
""")


def test_killed_writer_leaves_whole_records(s3):
    logdir = "s3://%s/killed" % BUCKET
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, logdir + "/run1"], stdout=subprocess.PIPE, text=True
    )
    try:
        flushed = -1
        deadline = time.time() + 60
        while flushed < 5 and time.time() < deadline:
            flushed = int(process.stdout.readline())
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    records = reader.read_saliency(logdir)
    steps = [r.step for r in records]
    # Every flushed step is there, whole; at most the one being written when killed is not.
    assert steps == list(range(len(steps))) and len(steps) >= flushed + 1
    assert all(r.masks["grad"].shape == (4, 64, 64) for r in records)


MISSING = textwrap.dedent("""
    import os, sys
    sys.modules["tensorflow"] = None  # as where TensorFlow is not installed
    sys.modules["s3fs"] = None  # as where s3fs is not installed
    import numpy as np
    from tensorboard_plugin_saliency import reader, storage, summary
    for url in ["gs://bucket/logs/run1", "s3://bucket/logs/run1", "nosuchscheme://x/run1"]:
        for attempt in (summary.SaliencyWriter, reader.read_saliency):
            try:
                attempt(url)
            except storage.StorageError as e:
                print(e)
            else:
                print("no error for", url)
    print(sorted(os.listdir(".")))
""")


def test_missing_packages_and_unknown_schemes_are_named(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", MISSING], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 7, result.stdout
    assert all("pip install tensorboard-plugin-saliency[gcs]" in line for line in lines[0:2])
    assert all("pip install tensorboard-plugin-saliency[s3]" in line for line in lines[2:4])
    assert all("unknown URL scheme 'nosuchscheme://'" in line for line in lines[4:6])
    assert lines[6] == "[]"  # no folder named gs:, s3: or nosuchscheme:
