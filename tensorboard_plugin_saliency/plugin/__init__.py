"""The TensorBoard plugin: loader and routes, the data layer under them, their errors.

    saliency_plugin.py  SaliencyLoader, SaliencyPlugin: routes as thin handlers
    params.py           the parameters each route reads, parsed and checked
    data.py             SaliencyData: tags, kept steps, one sample, an overlay PNG
    blobs.py            BlobReader: every data-provider call, with its caches
    lru.py              the one cache
    errors.py           PublicError subclasses, turned into JSON answers in one place

`tensorboard_plugin_saliency.plugin:SaliencyLoader` is the entry point TensorBoard
loads; the other names here are the ones v1 code imported from `plugin`.
"""

from tensorboard_plugin_saliency.format.metadata import PLUGIN_NAME
from tensorboard_plugin_saliency.plugin.data import (
    DEFAULT_SAMPLES_PER_TAG,
    SaliencyData,
    Selection,
    sample_json,
)
from tensorboard_plugin_saliency.plugin.errors import (
    BadRequest,
    InvalidArgumentError,
    NewerFormatError,
    NotFound,
    NotFoundError,
    QueryError,
    Unreadable,
    UnreadableError,
)
from tensorboard_plugin_saliency.plugin.params import parse_index
from tensorboard_plugin_saliency.plugin.saliency_plugin import (
    BLOB_MAX_AGE_S,
    SaliencyLoader,
    SaliencyPlugin,
)

__all__ = [
    "BLOB_MAX_AGE_S",
    "DEFAULT_SAMPLES_PER_TAG",
    "PLUGIN_NAME",
    "BadRequest",
    "InvalidArgumentError",
    "NewerFormatError",
    "NotFound",
    "NotFoundError",
    "QueryError",
    "SaliencyData",
    "SaliencyLoader",
    "SaliencyPlugin",
    "Selection",
    "Unreadable",
    "UnreadableError",
    "parse_index",
    "sample_json",
]
