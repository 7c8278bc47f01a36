"""Kept for old imports: this module is `tensorboard_plugin_saliency.format.metadata`."""

import sys

from tensorboard_plugin_saliency.format import metadata

sys.modules[__name__] = metadata
