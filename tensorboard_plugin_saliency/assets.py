"""Kept for old imports: this module is `tensorboard_plugin_saliency.format.assets`."""

import sys

from tensorboard_plugin_saliency.format import assets

sys.modules[__name__] = assets
