"""`BlobReader`'s asset reads: a format-4 blob is read and checked alone, once; a
format-3 file is read and checked whole, once for all its blobs."""

import numpy as np
import pytest
from helpers import saliency_logdir, tb_backends
from tensorboard import context

from tensorboard_plugin_saliency.format import assets
from tensorboard_plugin_saliency.plugin import blobs
from tensorboard_plugin_saliency.plugin.run_directories import RunDirectories
from tensorboard_plugin_saliency.summary import SaliencyWriter

TAG = "sal"


def batch(step):
    rng = np.random.default_rng(step)
    images = rng.integers(0, 256, (3, 16, 20, 3), dtype=np.uint8)
    masks = {name: rng.standard_normal((3, 16, 20)).astype(np.float32) for name in "ab"}
    return images, masks


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    """Run `new`: steps 0, 1, 2 in format 4. Run `old`: step 0 in format 3."""
    root = tmp_path_factory.mktemp("logs")
    with SaliencyWriter(str(root / "new"), parts=False) as writer:
        for step in range(3):
            writer.add(TAG, *batch(step), step)
    saliency_logdir.write_format_3(str(root / "old"), TAG, *batch(0), 0)
    return str(root)


@pytest.fixture
def reads(monkeypatch):
    """`[(path, start)]` of the asset reads from disk, in order: start None for a
    whole file. The reads themselves are real."""
    done = []
    read = assets.storage.LocalLocation.read
    read_range = assets.storage.LocalLocation.read_range

    def whole(self, relative):
        done.append((relative, None))
        return read(self, relative)

    def ranged(self, relative, start, end):
        done.append((relative, start))
        return read_range(self, relative, start, end)

    monkeypatch.setattr(assets.storage.LocalLocation, "read", whole)
    monkeypatch.setattr(assets.storage.LocalLocation, "read_range", ranged)
    return done


@pytest.fixture(scope="module")
def provider(logdir):
    with tb_backends.data_provider(logdir, "python") as provider:
        yield provider


def steps_of(logdir, provider, run):
    """`(reader, ctx, {step: (manifest key, manifest, asset keys, the blobs)})`."""
    reader = blobs.BlobReader(provider, 0, RunDirectories(logdir))
    ctx = context.RequestContext()
    found = {}
    for datum in reader.kept_steps(ctx, "", run, TAG):
        key = datum.values[0].blob_key
        manifest = reader.manifest(ctx, key)
        count = manifest.pixel_blob_count
        keys = [blobs.asset_key(run, key, i) for i in range(1, count + 1)]
        data = assets.read("%s/%s" % (logdir, run), manifest.asset)
        found[datum.step] = (key, manifest, keys, assets.split(data, manifest.asset))
    return reader, ctx, found


def test_a_format_4_blob_is_read_alone_and_once(logdir, provider, reads):
    reader, ctx, found = steps_of(logdir, provider, "new")
    for _, manifest, keys, expected in found.values():
        del reads[:]
        for _ in range(2):
            assert [reader.read_blob(ctx, k) for k in reversed(keys)] == expected[::-1]
        starts = [manifest.asset.span(i)[0] for i in range(len(keys), 0, -1)]
        assert reads == [(manifest.asset.path, start) for start in starts]


def test_checking_a_sample_reads_its_image_and_masks_for_the_requests_that_follow(
    logdir, provider, reads
):
    reader, ctx, found = steps_of(logdir, provider, "new")
    key, manifest, keys, expected = found[2]
    del reads[:]
    reader.check_asset("new", key, manifest, 1)
    indices = [manifest.image_index(1), manifest.mask_index(1, 0), manifest.mask_index(1, 1)]
    assert reads == [(manifest.asset.path, manifest.asset.span(i)[0]) for i in indices]
    assert [reader.read_blob(ctx, keys[i - 1]) for i in indices] == [
        expected[i - 1] for i in indices
    ]
    assert len(reads) == 3


def test_a_damaged_blob_is_refused_and_its_neighbours_served(tmp_path, provider):
    with SaliencyWriter(str(tmp_path / "new"), parts=False) as writer:
        writer.add(TAG, *batch(0), 0)
    with tb_backends.data_provider(str(tmp_path), "python") as provider:
        reader, ctx, found = steps_of(str(tmp_path), provider, "new")
        _, manifest, keys, expected = found[0]
        start, _ = manifest.asset.span(2)
        path = tmp_path / "new" / manifest.asset.path
        data = bytearray(path.read_bytes())
        data[start] ^= 1
        path.write_bytes(bytes(data))
        with pytest.raises(blobs.UnreadableError, match="bytes %d to" % start):
            reader.read_blob(ctx, keys[1])
        assert reader.read_blob(ctx, keys[0]) == expected[0]
        assert reader.read_blob(ctx, keys[2]) == expected[2]


def test_a_format_3_file_is_read_whole_once_for_all_its_blobs(logdir, provider, reads):
    reader, ctx, found = steps_of(logdir, provider, "old")
    key, manifest, keys, expected = found[0]
    assert manifest.version == 3 and manifest.asset.checksum == "sha256"
    del reads[:]
    reader.check_asset("old", key, manifest, 2)
    for _ in range(2):
        assert [reader.read_blob(ctx, k) for k in keys] == expected
    assert reads == [(manifest.asset.path, None)]


def test_a_format_3_file_too_large_to_keep_whole_is_kept_as_its_blobs(
    logdir, provider, reads, monkeypatch
):
    reader, ctx, found = steps_of(logdir, provider, "old")
    _, manifest, keys, expected = found[0]
    monkeypatch.setattr(blobs, "_BLOB_CACHE_ITEM_BYTES", manifest.asset.size - 1)
    del reads[:]
    for _ in range(2):
        assert [reader.read_blob(ctx, k) for k in keys] == expected
    assert reads == [(manifest.asset.path, None)]


def test_parsed_manifests_are_bounded_by_the_bytes_of_their_json(logdir, provider, monkeypatch):
    reader, ctx, found = steps_of(logdir, provider, "new")
    sizes = [len(found[step][1].to_json()) for step in (0, 1, 2)]
    monkeypatch.setattr(blobs, "_MANIFEST_CACHE_BYTES", sizes[1] + sizes[2])
    reader = blobs.BlobReader(provider, 0, RunDirectories(logdir))
    for step in (0, 1, 2):
        key = found[step][0]
        assert reader.manifest(ctx, key) == found[step][1]
        assert key not in reader._blobs  # kept parsed only, not as bytes as well
    assert [reader.known_manifest(found[step][0]) is not None for step in (0, 1, 2)] == [
        False,
        True,
        True,
    ]
