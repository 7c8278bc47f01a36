"""The former name of `tensorboard_plugin_saliency.callbacks`, kept for existing imports."""

from tensorboard_plugin_saliency.callbacks import *  # noqa: F403
from tensorboard_plugin_saliency.callbacks import SaliencyCallback, __all__  # noqa: F401
