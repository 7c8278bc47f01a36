"""Kept for old imports: this module is `tensorboard_plugin_saliency.format.encoding`."""

import sys

from tensorboard_plugin_saliency.format import encoding

sys.modules[__name__] = encoding
