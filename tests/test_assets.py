"""Nothing lost, nothing torn: a step's images and masks live in an asset file beside
the event files (format 3), whole and durable before the record that names them.

One log directory, served by a real `tensorboard` on each backend:

- `killed`: a `SaliencyWriter` in a subprocess, SIGKILLed between two steps: every
  recorded step reads back with its pixels (the same as regenerated from its seed),
  in `read_saliency` and through TensorBoard (`/sample` and its blobs answer 200).
- `damaged`: three steps; the asset file of step 1 deleted, a byte of step 2's
  flipped: `/steps` still lists all three, `/sample`, `/render` and the blobs of
  step 1 answer 404 and of step 2 422 with a JSON message naming the file (never
  500), step 0 still renders; in headless Chromium (`tests/e2e_assets.mjs`) the card
  of each of those steps says so in words, with no picture, and step 0 shows its
  picture. Run `grid`: steps 0, 1 and 2 of two images (a grid); step 1's asset file
  deleted, and in step 2's a byte of the second image flipped: at step 2 the second
  row says it is damaged in place of its cells and the first shows; at step 1 the
  card says so once, with no grid of empty cells; step 0 shows its grid.
- `mixed`: one tag whose steps hold their pixels inline (`assets=False`: format 1,
  and 2 with scores; the TF op) and in asset files (format 4, and format 3's file
  named by its SHA-256), read alike.

And, without TensorBoard: writers SIGKILLed at random moments of a tight `add` loop
leave every step their event file records with its whole asset file (the ordering
that makes this so), and `read_saliency` names the missing or damaged file.

    node tests/e2e_assets.mjs --url URL --spec spec.json --shot /tmp/asset  # also
    writes /tmp/asset-card.png (a card whose asset is missing)
"""

import dataclasses
import glob
import inspect
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
from helpers import saliency_logdir
from helpers.browser_tools import ROOT, require_browser
from helpers.tb_process import fetch, fetch_json, tensorboard_process

from tensorboard_plugin_saliency import reader
from tensorboard_plugin_saliency.format import assets, codec, encoding
from tensorboard_plugin_saliency.format.manifest import AssetInfo
from tensorboard_plugin_saliency.summary import SaliencyWriter

TAG = "sal/val"
PLUGIN = "/data/plugin/saliency/"
GOOD, MISSING, DAMAGED = 0, 1, 2
"""The steps of run `damaged`: intact, its asset file deleted, a byte of it flipped."""


def batch(step):
    """`(images, masks)` at `step`, the same from the same seed here and in a writer's
    subprocess: 2 images of 24x32, a mask at their size and a small one."""
    rng = np.random.default_rng(1000 + step)
    images = rng.integers(0, 256, (2, 24, 32, 3), dtype=np.uint8)
    masks = {
        "grad": rng.standard_normal((2, 24, 32)).astype(np.float32),
        "cam": rng.random((2, 3, 4)).astype(np.float32),
    }
    return images, masks


# A writer that adds a step after another until it is killed; with "announce", it
# flushes each step and prints its number, else it only prints "ready" once.
WRITER = (
    "import sys\nimport numpy as np\n"
    "from tensorboard_plugin_saliency.summary import SaliencyWriter\n"
    + inspect.getsource(batch)
    + textwrap.dedent(
        """
        writer = SaliencyWriter(sys.argv[1], parts=False)
        announce = sys.argv[2] == "announce"
        print("ready", flush=True)
        step = 0
        while True:
            images, masks = batch(step)
            writer.add(%r, images, masks, step, labels=["a%%d" %% step, "b"])
            if announce:
                writer.flush()
                print(step, flush=True)
            step += 1
        """
        % TAG
    )
)


def start_writer(run_directory, mode):
    """The writer's process, once it has opened its event file."""
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, run_directory, mode],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()


def assert_batch(record):
    """`record` holds the images and masks of its step, masks to their 16-bit step."""
    images, masks = batch(record.step)
    np.testing.assert_array_equal(record.images, images)
    assert sorted(record.masks) == sorted(masks)
    for name, expected in masks.items():
        expected = expected.astype(np.float64)
        half_step = (expected.max(axis=(1, 2)) - expected.min(axis=(1, 2))) / 131070
        error = np.abs(record.masks[name] - expected).max(axis=(1, 2))
        rounding = 4 * np.finfo(np.float32).eps * np.abs(expected).max(axis=(1, 2))
        assert np.all(error <= half_step + rounding), (record.step, name, error, half_step)


def manifests(run_directory, tag=TAG):
    return saliency_logdir.manifests(run_directory, tag)


def assert_every_record_whole(run_directory):
    """Every step the event file records names an asset file that is there, whole
    (length and checksum), and holds that step's pixels; every asset file under its
    final name is whole too, recorded or not. Returns the recorded steps."""
    recorded = manifests(run_directory)
    steps = [step for step, _, _ in recorded]
    assert steps == list(range(len(steps))), steps
    for step, manifest, _ in recorded:
        path = os.path.join(run_directory, *manifest.asset.path.split("/"))
        assert os.path.isfile(path), "step %d names %s, which is not there" % (step, path)
        assets.read(run_directory, manifest.asset)  # raises if torn or damaged
    records = reader.read_saliency(run_directory)
    assert [r.step for r in records] == steps
    for record in records:
        assert_batch(record)
    for path in glob.glob(os.path.join(run_directory, "plugins", "saliency", "*", "*.bin")):
        with open(path, "rb") as f:
            digest = assets.checksum(f.read())
        assert os.path.basename(path).split("-")[1] == digest + ".bin", path
    return steps


# ---------------------------------------------------------------- the log directory


def write_killed(run_directory, steps=4):
    """Kills the announcing writer after it flushed `steps` steps; returns the last
    step it announced."""
    process = start_writer(run_directory, "announce")
    announced = -1
    try:
        deadline = time.time() + 60
        while announced < steps - 1 and time.time() < deadline:
            announced = int(process.stdout.readline())
    finally:
        kill(process)
    assert announced == steps - 1
    return announced


def asset_files(run_directory, tag=TAG):
    """`{step: path}` of the asset files of `tag`."""
    pattern = os.path.join(run_directory, "plugins", "saliency", tag.replace("/", "%2F"), "*.bin")
    return {int(os.path.basename(p).split("-")[0]): p for p in glob.glob(pattern)}


def damage(run_directory, how, step):
    """Deletes ("delete"), flips a byte of ("flip") or cuts ("truncate") the asset file
    of `step`; returns its path."""
    path = asset_files(run_directory)[step]
    if how == "delete":
        os.remove(path)
        return path
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if how == "flip":
        data[len(data) // 2] ^= 0xFF
    else:
        del data[-7:]
    with open(path, "wb") as f:
        f.write(bytes(data))
    return path


def write_damaged(run_directory):
    """Steps 0, 1 and 2, each one image with one mask (a card's single view, not a
    grid); step 1's asset file deleted, a byte of step 2's flipped. Returns their
    paths."""
    with SaliencyWriter(run_directory, parts=False) as writer:
        for step in (GOOD, MISSING, DAMAGED):
            images, masks = batch(step)
            writer.add(TAG, images[:1], {"grad": masks["grad"][:1]}, step)
    return {
        "missing": damage(run_directory, "delete", MISSING),
        "damaged": damage(run_directory, "flip", DAMAGED),
    }


def write_grid(run_directory):
    """Steps 0, 1 and 2 of two images with two masks (a grid); step 1's asset file
    deleted, a byte of step 2's second image flipped. Returns their paths."""
    with SaliencyWriter(run_directory, parts=False) as writer:
        for step in (GOOD, MISSING, DAMAGED):
            writer.add(TAG, *batch(step), step)
    _, manifest, _ = manifests(run_directory)[DAMAGED]
    start, _ = manifest.asset.span(manifest.image_index(1))
    path = asset_files(run_directory)[DAMAGED]
    with open(path, "r+b") as f:
        f.seek(start + 40)
        byte = f.read(1)
        f.seek(start + 40)
        f.write(bytes([byte[0] ^ 0xFF]))
    return {"missing": damage(run_directory, "delete", MISSING), "damaged": path}


def _next_second():
    """Event files are read in name order, which starts with the second they were
    made in: the next writer's file sorts after the last one's."""
    time.sleep(1.02 - time.time() % 1)


def write_mixed(run_directory):
    """One tag, steps 0..6: 0 inline in format 1, 1 inline with scores (format 2),
    2 and 3 by the TF op (inline), 4 and 5 in asset files (format 4), 6 in an asset
    file of format 3."""
    import tensorflow as tf

    from tensorboard_plugin_saliency import summary

    with SaliencyWriter(run_directory, assets=False) as writer:
        writer.add(TAG, *batch(0), 0)
        scores = {"grad": {"deletion_auc": [0.25, 0.5]}}
        writer.add(TAG, *batch(1), 1, scores=scores)
    _next_second()
    tf_writer = tf.summary.create_file_writer(run_directory)
    with tf_writer.as_default():
        for step in (2, 3):
            images, masks = batch(step)
            assert summary.saliency(TAG, images, masks, step=step)
    tf_writer.close()
    _next_second()
    with SaliencyWriter(run_directory, parts=False) as writer:
        for step in (4, 5):
            writer.add(TAG, *batch(step), step)
    _next_second()
    saliency_logdir.write_format_3(run_directory, TAG, *batch(6), 6)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    """`(logdir, facts)`: runs `killed`, `damaged`, `grid` and `mixed` (see the
    module's doc)."""
    root = str(tmp_path_factory.mktemp("assets"))
    killed = os.path.join(root, "killed")
    facts = {"announced": write_killed(killed)}
    facts["killed_steps"] = [step for step, _, _ in manifests(killed)]
    facts["files"] = write_damaged(os.path.join(root, "damaged"))
    facts["files"]["grid"] = write_grid(os.path.join(root, "grid"))
    write_mixed(os.path.join(root, "mixed"))
    return root, facts


@pytest.fixture(scope="module", params=["false", "true"], ids=["python", "rust"])
def served(request, logdir):
    """`(base URL, logdir, facts)` of a tensorboard on the log directory."""
    root, facts = logdir
    with tensorboard_process(root, load_fast=request.param) as url:
        yield url, root, facts


def get(url, route, **args):
    """`(status, headers, body)` of a plugin route."""
    query = "&".join("%s=%s" % (k, v) for k, v in args.items())
    return fetch(url + PLUGIN + route + ("?" + query if query else ""))


def listed_steps(url, run):
    return [s["step"] for s in fetch_json(url + PLUGIN + "steps?run=%s&tag=%s" % (run, TAG))]


def assert_renders(url, run, step, samples=2):
    """`/sample` of each image at `step` answers 200, its image blob is the PNG of
    that image and its mask blobs answer 200."""
    images, _ = batch(step)
    for sample in range(samples):
        status, _, body = get(url, "sample", run=run, tag=TAG, step=step, sample=sample)
        assert status == 200, (run, step, body[:300])
        answer = json.loads(body)
        status, _, png = fetch(url + PLUGIN + answer["image"]["url"])
        assert status == 200 and png[:4] == b"\x89PNG", (run, step, status, png[:300])
        np.testing.assert_array_equal(codec.decode_png(png), images[sample])
        for mask in answer["masks"]:
            status, _, body = fetch(url + PLUGIN + mask["url"])
            assert status == 200 and body, (run, step, mask["name"], status, body[:300])


def assert_json_error(response, status, *words):
    """`response` is a JSON error of `status` whose message holds every one of `words`."""
    code, headers, body = response
    assert code == status, (code, body[:500])
    assert headers.get("Content-Type", "").startswith("application/json"), headers
    message = json.loads(body)["error"]
    for word in words:
        assert word in message, (word, message)
    return message


# ---------------------------------------------------------------- killed writers


def test_a_writer_killed_between_steps_leaves_every_recorded_step_readable(logdir):
    root, facts = logdir
    steps = assert_every_record_whole(os.path.join(root, "killed"))
    # Every announced (flushed) step is there; the writer may have got further.
    assert len(steps) >= facts["announced"] + 1


def test_tensorboard_serves_every_step_of_a_killed_writer(served):
    url, _, facts = served
    steps = listed_steps(url, "killed")
    assert steps == facts["killed_steps"]
    for step in steps:
        assert_renders(url, "killed", step)


def test_a_writer_killed_while_writing_never_records_a_step_without_its_pixels(tmp_path):
    """SIGKILL at random moments of a tight `add` loop (no flush, no waiting), in
    several writers at once: whatever step each was in, every step its event file
    records has its whole asset file."""
    chance = random.Random()
    runs = [str(tmp_path / ("run%d" % i)) for i in range(5)]
    processes = [start_writer(run, "quiet") for run in runs]
    delays = sorted(chance.uniform(0.05, 0.5) for _ in runs)
    start = time.time()
    try:
        for process, delay in zip(processes, delays):
            time.sleep(max(0.0, start + delay - time.time()))
            kill(process)
    finally:
        for process in processes:
            if process.poll() is None:
                kill(process)
    counts = []
    for run, delay in zip(runs, delays):
        try:
            counts.append(len(assert_every_record_whole(run)))
        except AssertionError as e:
            raise AssertionError("killed after %.3f s: %s" % (delay, e)) from None
    assert sum(counts) > 0, "no writer got to write a step before it was killed"


# ---------------------------------------------------------------- deleted and damaged files


@pytest.mark.parametrize(
    "how, error, words",
    [
        ("delete", assets.MissingAssetError, "missing"),
        ("flip", assets.DamagedAssetError, "damaged"),
        ("truncate", assets.DamagedAssetError, "damaged"),
    ],
)
def test_read_saliency_names_the_missing_or_damaged_file(tmp_path, how, error, words):
    run = str(tmp_path / "run")
    with SaliencyWriter(run, parts=False) as writer:
        for step in (0, 1, 2):
            writer.add(TAG, *batch(step), step)
    path = damage(run, how, 1)
    with pytest.raises(error) as raised:
        reader.read_saliency(str(tmp_path))
    assert path in str(raised.value) and words in str(raised.value)


def test_a_file_named_by_its_sha256_is_checked_by_it(tmp_path):
    # Format 3's first writers named and checked the file by its SHA-256.
    manifest, _ = encoding.encode_parts(*batch(0))
    manifest, data = assets.pack(manifest, [b"image", b"mask-one", b"mask-two"] * 2, TAG, 5)
    digest = assets.checksum(data, "sha256")
    asset = AssetInfo(assets.asset_path(TAG, 5, digest), digest, manifest.asset.ends, "sha256")
    assert asset.path.endswith("/5-%s.bin" % digest[:16])
    assets.write(str(tmp_path), asset, data)
    assert assets.read(str(tmp_path), asset) == data
    path = os.path.join(str(tmp_path), *asset.path.split("/"))
    with open(path, "r+b") as f:
        f.seek(3)
        f.write(b"X")
    with pytest.raises(assets.DamagedAssetError, match="do not match the SHA256"):
        assets.read(str(tmp_path), asset)
    crc = dataclasses.replace(manifest.asset, digest=assets.checksum(data), checksum="crc32c")
    assert crc == manifest.asset and len(crc.digest) == 8


def test_a_deleted_or_damaged_asset_is_a_4xx_json_answer_never_a_500(served):
    url, root, facts = served
    missing = os.path.basename(facts["files"]["missing"])
    damaged = os.path.basename(facts["files"]["damaged"])
    tags = fetch_json(url + PLUGIN + "tags")["damaged"][TAG]
    assert tags["samples"] == 1 and "error" not in tags  # the manifests are fine
    # The steps stay listed: a card can go to each and say what is wrong with it.
    assert listed_steps(url, "damaged") == [GOOD, MISSING, DAMAGED]
    args = {"run": "damaged", "tag": TAG}
    for _ in range(2):  # an error is not cached as data: the second answer is the same
        assert_json_error(get(url, "sample", step=MISSING, **args), 404, missing, "missing")
        assert_json_error(get(url, "sample", step=DAMAGED, **args), 422, damaged, "damaged")
    assert_json_error(get(url, "sample", **args), 422, damaged)  # the latest step
    assert_json_error(get(url, "render", step=MISSING, **args), 404, missing)
    assert_json_error(get(url, "render", step=DAMAGED, **args), 422, damaged)
    # The blob URLs of those steps (as the filmstrip gets them from /samples).
    every = {s["step"]: s for s in fetch_json(url + PLUGIN + "samples?run=damaged&tag=" + TAG)}
    assert sorted(every) == [GOOD, MISSING, DAMAGED]
    urls = [every[MISSING]["image"]["url"]] + [m["url"] for m in every[MISSING]["masks"]]
    for blob in urls:
        assert_json_error(fetch(url + PLUGIN + blob), 404, missing)
    # Each blob is checked alone: the one holding the flipped byte is refused, the
    # other blob of that file is served as written.
    _, manifest, _ = manifests(os.path.join(root, "damaged"))[DAMAGED]
    flipped = manifest.asset.size // 2
    spans = [manifest.asset.span(i) for i in (1, 2)]  # the image, then its mask
    urls = [every[DAMAGED]["image"]["url"], every[DAMAGED]["masks"][0]["url"]]
    for blob, (start, end) in zip(urls, spans):
        response = fetch(url + PLUGIN + blob)
        if start <= flipped < end:
            assert_json_error(response, 422, damaged, "bytes %d to %d" % (start, end))
        else:
            assert response[0] == 200 and len(response[2]) > 0
    # Step 0 is untouched by its neighbours' damage.
    assert_renders(url, "damaged", GOOD, samples=1)
    status, headers, body = get(url, "render", step=GOOD, **args)
    assert status == 200 and body[:4] == b"\x89PNG"


# ---------------------------------------------------------------- old formats beside new


def test_inline_and_asset_steps_of_one_tag_read_alike(logdir):
    root, _ = logdir
    run = os.path.join(root, "mixed")
    layout = [(step, m.version, m.asset is not None, count) for step, m, count in manifests(run)]
    assert layout == [
        (0, 1, False, 7),  # the manifest, 2 images, 2 x 2 masks
        (1, 2, False, 7),
        (2, 1, False, 7),
        (3, 1, False, 7),
        (4, 4, True, 1),  # the manifest alone
        (5, 4, True, 1),
        (6, 3, True, 1),
    ]
    records = reader.read_saliency(root, run="mixed")
    assert [r.step for r in records] == list(range(7))
    for record in records:
        assert_batch(record)
    assert records[1].scores["grad"]["deletion_auc"].tolist() == [0.25, 0.5]
    assert asset_files(run).keys() == {4, 5, 6}


def test_tensorboard_serves_inline_and_asset_steps_of_one_tag(served):
    url, _, _ = served
    assert listed_steps(url, "mixed") == list(range(7))
    for step in range(7):
        assert_renders(url, "mixed", step)


# ---------------------------------------------------------------- the card


def test_the_card_of_a_missing_or_damaged_step_says_so_in_chromium(served, tmp_path):
    require_browser()
    url, _, facts = served
    spec = {
        "run": "damaged",
        "tag": TAG,
        "good": GOOD,
        "missing": MISSING,
        "damaged": DAMAGED,
        "missingFile": os.path.basename(facts["files"]["missing"]),
        "damagedFile": os.path.basename(facts["files"]["damaged"]),
        "gridRun": "grid",
        "gridMissingFile": os.path.basename(facts["files"]["grid"]["missing"]),
        "gridDamagedFile": os.path.basename(facts["files"]["grid"]["damaged"]),
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    shot = os.path.join(str(tmp_path), "asset")
    result = subprocess.run(
        ["node", os.path.join(ROOT, "tests", "e2e_assets.mjs")]
        + ["--spec", str(path), "--url", url, "--shot", shot],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "FAIL" not in result.stdout, output
