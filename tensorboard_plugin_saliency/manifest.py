"""Kept for old imports: this module is `tensorboard_plugin_saliency.format.manifest`."""

import sys

from tensorboard_plugin_saliency.format import manifest

sys.modules[__name__] = manifest
