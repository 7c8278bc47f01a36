"""The manifest as typed values: one parser, blob indices, versions."""

import json

import numpy as np
import pytest

from tensorboard_plugin_saliency.format import encoding, metadata
from tensorboard_plugin_saliency.format.manifest import (
    AssetInfo,
    ImageInfo,
    Manifest,
    ManifestError,
    MaskInfo,
    MaskSpec,
    SampleInfo,
)


def _manifest(samples=2, masks=("grad", "cam")):
    info = MaskInfo(width=4, height=3, min=-1.5, max=2.0)
    return Manifest(
        masks=tuple(MaskSpec(name, {"n": i}) for i, name in enumerate(masks)),
        samples=tuple(
            SampleInfo("label %d" % i, ImageInfo(8, 6, 3), (info,) * len(masks))
            for i in range(samples)
        ),
    )


def test_round_trip():
    manifest = _manifest()
    assert Manifest.from_json(manifest.to_json()) == manifest


def test_blob_layout():
    manifest = _manifest(samples=3, masks=("a", "b"))
    assert manifest.blob_count == 1 + 3 * 3
    assert [manifest.image_index(i) for i in range(3)] == [1, 2, 3]
    assert manifest.mask_index(0, 0) == 4 and manifest.mask_index(2, 1) == 9
    assert manifest.mask_names == ["a", "b"]


def test_what_the_writer_stores_parses():
    blobs = encoding.encode_summary(
        np.zeros((2, 6, 8, 3), np.uint8), {"g": np.ones((2, 3, 4))}, labels=["x", "y"]
    )
    manifest = Manifest.from_json(blobs[0])
    assert manifest.blob_count == len(blobs)
    assert [s.label for s in manifest.samples] == ["x", "y"]
    assert manifest.samples[1].masks[0] == MaskInfo(4, 3, 1.0, 1.0)


def test_unknown_fields_are_ignored():
    record = _manifest().to_dict()
    record["scores"] = {"deletion": [0.1]}
    record["samples"][0]["extra"] = 1
    assert Manifest.from_json(json.dumps(record).encode()) == _manifest()


def test_newer_version_is_its_own_error():
    record = _manifest().to_dict()
    record["version"] = metadata.FORMAT_VERSION + 1
    with pytest.raises(metadata.FormatVersionError):
        Manifest.from_json(json.dumps(record).encode())


@pytest.mark.parametrize(
    "blob",
    [
        b"\xff\xfe",
        b"[]",
        b'{"version": "1"}',
        b'{"version": 1, "masks": {}, "samples": []}',
        b'{"version": 1, "masks": [{"name": "a"}], "samples": [{"masks": []}]}',
        b'{"version": 1, "masks": [{"name": "a"}], "samples": [{"image": {}, "masks": [{}]}]}',
    ],
)
def test_malformed(blob):
    with pytest.raises(ManifestError):
        Manifest.from_json(blob)


BLOB_CRCS = ["%08x" % i for i in range(6)]


def _with_asset(drop=(), version=4, **change):
    asset = {"path": "plugins/saliency/t/3-0123abcd.bin", "crc32c": "0123abcd"}
    asset["ends"] = [10 * (i + 1) for i in range(_manifest().pixel_blob_count)]
    asset["blob_crc32c"] = BLOB_CRCS
    asset.update(change)
    for key in drop:
        del asset[key]
    record = _manifest().to_dict()
    record.update(version=version, asset=asset)
    return json.dumps(record).encode()


def test_an_asset_manifest_is_version_4_and_one_blob():
    manifest = Manifest.from_json(_with_asset())
    assert manifest.asset == AssetInfo(
        "plugins/saliency/t/3-0123abcd.bin",
        "0123abcd",
        (10, 20, 30, 40, 50, 60),
        "crc32c",
        tuple(BLOB_CRCS),
    )
    assert manifest.blob_count == 1 and manifest.pixel_blob_count == 6
    assert manifest.asset.span(1) == (0, 10) and manifest.asset.span(6) == (50, 60)
    assert manifest.to_dict()["version"] == 4
    assert Manifest.from_json(manifest.to_json()) == manifest


def test_an_asset_with_curves_has_one_more_blob_after_the_images_and_masks():
    ends, crcs = [10 * (i + 1) for i in range(7)], BLOB_CRCS + ["0000ffff"]
    manifest = Manifest.from_json(_with_asset(ends=ends, blob_crc32c=crcs, curves=True))
    assert manifest.asset.curves and manifest.asset.curves_index == 7
    assert manifest.pixel_blob_count == 6 and manifest.asset.span(7) == (60, 70)
    assert Manifest.from_json(manifest.to_json()) == manifest


def test_a_version_3_asset_is_named_by_its_sha256_and_still_reads():
    # Format 3 named the file by its SHA-256, with no checksum per blob.
    record = _with_asset(drop=["crc32c", "blob_crc32c"], version=3, sha256="ab" * 32)
    manifest = Manifest.from_json(record)
    assert manifest.asset.checksum == "sha256" and manifest.asset.digest == "ab" * 32
    assert manifest.asset.blob_digests == () and manifest.to_dict()["version"] == 3
    assert Manifest.from_json(manifest.to_json()) == manifest
    assert "crc32c" not in manifest.to_json().decode()
    with pytest.raises(ManifestError, match="sha256"):
        Manifest.from_json(_with_asset(version=3))  # a CRC-32C entry is not version 3


def test_an_asset_field_in_an_older_version_is_ignored():
    record = json.loads(_with_asset())
    record["version"] = 2
    assert Manifest.from_json(json.dumps(record).encode()).asset is None


@pytest.mark.parametrize(
    "change,message",
    [
        ({"path": "../../etc/passwd"}, "asset path"),
        ({"path": "plugins/saliency/../../x.bin"}, "asset path"),
        ({"path": "/plugins/saliency/t/x.bin"}, "asset path"),
        ({"path": "plugins/other/t/x.bin"}, "asset path"),
        ({"path": "plugins/saliency/t\\..\\x.bin"}, "asset path"),
        ({"crc32c": "xyz"}, "crc32c 'xyz' is not 8 hex digits"),
        ({"crc32c": "0123ABCD"}, "crc32c"),
        ({"crc32c": 123}, "crc32c"),
        ({"blob_crc32c": BLOB_CRCS[:5]}, "blob_crc32c: expected 6 checksums"),
        ({"blob_crc32c": BLOB_CRCS[:5] + ["xyz"]}, "blob_crc32c: expected 8 hex digits"),
        ({"blob_crc32c": "00000000"}, "blob_crc32c"),
        ({"curves": "yes"}, "asset curves: expected true or false"),
        ({"curves": True}, "asset ends: expected 7 offsets"),  # one more blob: the curves
        ({"ends": [1, 2]}, "ends"),
        ({"ends": [10, 5, 30, 40, 50, 60]}, "ends"),
    ],
)
def test_a_malformed_asset_is_a_manifest_error(change, message):
    with pytest.raises(ManifestError, match=message):
        Manifest.from_json(_with_asset(**change))


@pytest.mark.parametrize("key", ["crc32c", "blob_crc32c"])
def test_a_version_4_asset_without_its_checksums_is_a_manifest_error(key):
    with pytest.raises(ManifestError, match=key):
        Manifest.from_json(_with_asset(drop=[key]))
