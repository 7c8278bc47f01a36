"""Kept for old imports: this module is `tensorboard_plugin_saliency.format.codec`."""

import sys

from tensorboard_plugin_saliency.format import codec

sys.modules[__name__] = codec
