"""A small log directory of saliency summaries for the plugin, CLI and process tests.

`write_logdir(path)` writes it and returns `expected`, the values written:
`expected[(run, tag)][step]` is the list of blobs of that step.

- run `train`, tag `saliency/cls`: steps 0, 10, 20, 30, 40; 3 RGB 12x16 images with
  labels; masks `grad` (12x16) and `gradcam` (3x4, smaller than the image); a
  description; `method_params` on `grad`.
- run `eval`, tag `gray`: step 5; one grayscale 8x8 image with a single mask.
- run `mixed`, tag `sal`: steps 1, 2 readable; step 3 has a manifest in a newer format.
- run `mixed`, tag `future`: a tag whose plugin data is in a newer format.
- run `train`, tag `loss`: a scalar, not saliency data.
"""

import dataclasses
import json
import os
import time

import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from tensorboard.util import tensor_util

from tensorboard_plugin_saliency import reader, storage, summary
from tensorboard_plugin_saliency.format import assets, encoding, metadata, parts
from tensorboard_plugin_saliency.format.manifest import AssetInfo, Manifest

TRAIN_STEPS = (0, 10, 20, 30, 40)
DESCRIPTION = "Saliency of the **classifier**"


def images_and_masks(step, n=3, h=12, w=16):
    rng = np.random.default_rng(step)
    images = rng.integers(0, 256, size=(n, h, w, 3), dtype=np.uint8)
    grad = rng.standard_normal((n, h, w)).astype(np.float32) * (step + 1)
    gradcam = rng.random((n, 3, 4)).astype(np.float32)
    return images, {"grad": grad, "gradcam": gradcam}


def blobs_pb(tag, blobs, content_version=1):
    """A saliency `Summary` of raw `blobs`, with plugin data of `content_version`."""
    array = np.empty(len(blobs), dtype=object)
    array[:] = blobs
    md = metadata.create_summary_metadata()
    md.plugin_data.content = json.dumps({"version": content_version}).encode()
    pb = summary_pb2.Summary()
    pb.value.add(tag=tag, metadata=md, tensor=tensor_util.make_tensor_proto(array))
    return pb


def write_format_3(run_directory, tag, images, masks, step):
    """Writes one step as format 3 did, in an event file of its own: its asset file
    named and checked by its SHA-256, with no checksum per blob."""
    manifest, data = assets.pack(*encoding.encode_parts(images, masks), tag, step)
    digest = assets.checksum(data, "sha256")
    asset = AssetInfo(assets.asset_path(tag, step, digest), digest, manifest.asset.ends, "sha256")
    assets.write(run_directory, asset, data)
    blobs = [dataclasses.replace(manifest, asset=asset).to_json()]
    writer = EventFileWriter(run_directory)
    writer.add_event(
        event_pb2.Event(step=step, wall_time=time.time(), summary=blobs_pb(tag, blobs))
    )
    writer.close()


def manifests(run_directory, tag):
    """`[(step, Manifest, blob count)]` of every record of `tag` in the run's event
    files (a path or URL)."""
    multiplexer = reader.load_logdir(run_directory, run=".")
    return [
        (
            event.step,
            Manifest.from_json(tensor_util.make_ndarray(event.tensor_proto).reshape(-1)[0]),
            event.tensor_proto.tensor_shape.dim[0].size,
        )
        for event in multiplexer.Tensors(".", tag)
    ]


def assert_blobs_read_alone(run_directory, tag):
    """Every image and mask of every asset step of `tag`, read alone (one ranged
    read) and checked, is its bytes in the whole file. Returns the steps."""
    steps = []
    for step, manifest, _ in manifests(run_directory, tag):
        for asset in _assets(run_directory, manifest):
            whole = assets.split(assets.read(run_directory, asset), asset)
            alone = [assets.read_blob(run_directory, asset, i) for i in range(1, len(whole) + 1)]
            assert alone == whole, step
        steps.append(step)
    return steps


def _assets(run_directory, manifest):
    """The asset files of a step: its own, or each of its parts' (format 5)."""
    if manifest.parts is None:
        return [manifest.asset]
    location = storage.location(run_directory)
    where = manifest.parts.directory
    return [parts.read(location, where, n).asset for n in parts.newest(location.list_names(where))]


def _future(blobs):
    manifest = json.loads(blobs[0])
    manifest["version"] = metadata.FORMAT_VERSION + 1
    return [json.dumps(manifest).encode()] + list(blobs[1:])


def write_logdir(logdir):
    expected = {}
    with summary.SaliencyWriter(os.path.join(logdir, "train"), parts=False) as writer:
        for step in TRAIN_STEPS:
            images, masks = images_and_masks(step)
            labels = ["label %d/%d" % (step, i) for i in range(3)]
            params = {"grad": {"nsamples": 25}}
            writer.add(
                "saliency/cls",
                images,
                masks,
                step,
                labels=labels,
                description=DESCRIPTION,
                method_params=params,
                walltime=1000.0 + step,
            )
            expected.setdefault(("train", "saliency/cls"), {})[step] = encoding.encode_summary(
                images, masks, labels=labels, method_params=params
            )
        writer._owned.add_event(
            event_pb2.Event(
                step=0,
                wall_time=1000.0,
                summary=summary_pb2.Summary(
                    value=[summary_pb2.Summary.Value(tag="loss", simple_value=1.0)]
                ),
            )
        )
    with summary.SaliencyWriter(os.path.join(logdir, "eval"), parts=False) as writer:
        rng = np.random.default_rng(99)
        image = rng.integers(0, 256, size=(8, 8), dtype=np.uint8)
        mask = rng.standard_normal((8, 8)).astype(np.float32)
        writer.add("gray", image, mask, 5, walltime=2000.0)
        expected[("eval", "gray")] = {5: encoding.encode_summary(image, mask)}

    writer = EventFileWriter(os.path.join(logdir, "mixed"))
    for step in (1, 2, 3):
        images, masks = images_and_masks(step, n=2)
        blobs = encoding.encode_summary(images, masks, max_outputs=2)
        if step == 3:
            blobs = _future(blobs)
        expected.setdefault(("mixed", "sal"), {})[step] = blobs
        writer.add_event(
            event_pb2.Event(step=step, wall_time=3000.0 + step, summary=blobs_pb("sal", blobs))
        )
        writer.add_event(
            event_pb2.Event(
                step=step,
                wall_time=3000.0 + step,
                summary=blobs_pb(
                    "future", _future(blobs), content_version=metadata.FORMAT_VERSION + 1
                ),
            )
        )
    writer.close()
    return expected


def write_plain_logdir(logdir):
    """A log directory with only scalars: the saliency plugin must stay inactive."""
    writer = EventFileWriter(os.path.join(logdir, "run"))
    for step in range(3):
        writer.add_event(
            event_pb2.Event(
                step=step,
                wall_time=1000.0 + step,
                summary=summary_pb2.Summary(
                    value=[summary_pb2.Summary.Value(tag="loss", simple_value=float(step))]
                ),
            )
        )
    writer.close()
