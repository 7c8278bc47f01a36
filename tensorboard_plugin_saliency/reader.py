"""Reads saliency summaries back from a log directory into NumPy, for notebooks and tests."""

import dataclasses

import numpy as np
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.util import tensor_util

from tensorboard_plugin_saliency import encoding, metadata


@dataclasses.dataclass
class SaliencyRecord:
    """One saliency summary: a batch of images with their masks, at one step."""

    run: str
    tag: str
    step: int
    wall_time: float
    images: np.ndarray  # uint8 [N, H, W, C]
    masks: dict  # mask name -> float32 [N, h, w]
    labels: list  # one string per image, or None
    method_params: dict  # mask name -> dict
    description: str = ""


def decode_blobs(blobs):
    """`(images, masks, labels, method_params)` of one summary's blob list."""
    manifest = encoding.parse_manifest(blobs[0])
    if len(blobs) != encoding.blob_count(manifest):
        raise ValueError(
            "saliency summary holds %d blobs, its manifest expects %d"
            % (len(blobs), encoding.blob_count(manifest))
        )
    samples = manifest["samples"]
    images = np.stack([encoding.decode_png(blobs[encoding.image_index(manifest, i)])
                       for i in range(len(samples))])
    masks = {}
    for j, mask in enumerate(manifest["masks"]):
        masks[mask["name"]] = np.stack([
            encoding.decode_mask(blobs[encoding.mask_index(manifest, i, j)],
                                 samples[i]["masks"][j])
            for i in range(len(samples))
        ])
    labels = [s.get("label") for s in samples]
    if all(label is None for label in labels):
        labels = None
    params = {m["name"]: m.get("params", {}) for m in manifest["masks"]}
    return images, masks, labels, params


def read_saliency(logdir, *, run=None, tag=None):
    """Every saliency summary under `logdir`, as `SaliencyRecord`s.

    Sorted by run, tag and step. `run` and `tag` keep only the records with that
    run name (relative to `logdir`, "." for the directory itself) or tag.
    """
    multiplexer = plugin_event_multiplexer.EventMultiplexer(
        tensor_size_guidance={metadata.PLUGIN_NAME: 0}
    )
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    records = []
    tags_by_run = multiplexer.PluginRunToTagToContent(metadata.PLUGIN_NAME)
    for run_name in sorted(tags_by_run):
        if run is not None and run_name != run:
            continue
        for tag_name in sorted(tags_by_run[run_name]):
            if tag is not None and tag_name != tag:
                continue
            description = multiplexer.SummaryMetadata(run_name, tag_name).summary_description
            for event in multiplexer.Tensors(run_name, tag_name):
                blobs = list(tensor_util.make_ndarray(event.tensor_proto).reshape(-1))
                images, masks, labels, params = decode_blobs(blobs)
                records.append(SaliencyRecord(
                    run=run_name, tag=tag_name, step=event.step, wall_time=event.wall_time,
                    images=images, masks=masks, labels=labels, method_params=params,
                    description=description,
                ))
    records.sort(key=lambda r: (r.run, r.tag, r.step))
    return records
