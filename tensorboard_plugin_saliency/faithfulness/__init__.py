"""Faithfulness and sanity scores of saliency masks: which map to trust.

- `deletion`, `insertion` (`curves`): the model's score as the mask's most salient
  pixels are removed, or restored onto a blurred copy, first (Petsiuk et al. 2018),
  with the same curves under a random pixel order as the baseline of chance.

Like `methods`, this package imports TensorFlow; `tensorboard_plugin_saliency`
itself does not.
"""

from tensorboard_plugin_saliency.faithfulness.curves import (
    Curves,
    deletion,
    insertion,
    pixel_ranks,
)

__all__ = ["Curves", "deletion", "insertion", "pixel_ranks"]
