"""Plugin name, format version, and the `SummaryMetadata` of saliency summaries."""

import json

from tensorboard.compat.proto import summary_pb2

PLUGIN_NAME = "saliency"

# Newest version of the stored format (plugin data and manifest) that this package
# writes; readers accept every version up to this one. Version 2 added the manifest's
# `scores`, version 3 its `asset` (images and masks in a file beside the event files,
# named by its SHA-256), version 4 names that file by its CRC-32C and adds one per blob,
# version 5 adds image ids, typed fields, class names and steps written in parts,
# version 6 ground-truth regions (boxes and a region mask per image).
# A summary is written in the oldest version that holds it (version 1 without scores
# or asset), so that older readers keep reading what they can.
FORMAT_VERSION = 6

PLUGIN_DATA_VERSION = 1
"""The version written in the plugin data, whose layout has not changed since 1."""


class FormatVersionError(ValueError):
    """A summary was written in a newer format than this package can read."""


def create_summary_metadata(description=None):
    """A `SummaryMetadata` proto for a saliency summary (a blob sequence)."""
    content = json.dumps({"version": PLUGIN_DATA_VERSION}).encode("utf-8")
    return summary_pb2.SummaryMetadata(
        summary_description=description or "",
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name=PLUGIN_NAME, content=content
        ),
        data_class=summary_pb2.DATA_CLASS_BLOB_SEQUENCE,
    )


def parse_plugin_data(content):
    """The plugin data dict stored in `SummaryMetadata.plugin_data.content`.

    Raises `FormatVersionError` for a version newer than `FORMAT_VERSION` and
    `ValueError` for content that is not a saliency plugin record.
    """
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    try:
        record = json.loads(content) if content else {"version": 1}
    except ValueError as e:
        raise ValueError("saliency plugin data is not JSON: %s" % e) from None
    if not isinstance(record, dict) or not isinstance(record.get("version"), int):
        raise ValueError("saliency plugin data has no integer 'version': %r" % (record,))
    check_version(record["version"])
    return record


def check_version(version):
    """Raises `FormatVersionError` if `version` is newer than this package reads."""
    if version > FORMAT_VERSION:
        raise FormatVersionError(
            "saliency data in format version %d; this tensorboard-plugin-saliency "
            "reads versions up to %d: upgrade the package" % (version, FORMAT_VERSION)
        )
