"""Faithfulness and sanity scores of saliency masks: which map to trust.

- `deletion`, `insertion` (`curves`): the model's score as the mask's most salient
  pixels are removed, or restored onto a blurred copy, first (Petsiuk et al. 2018),
  with the same curves under a random pixel order as the baseline of chance.
- `randomization_check` (`randomization`): the masks after re-initialising the
  model's layers from the top, and their rank correlation with the trained model's
  (Adebayo et al. 2018).
- `logged`: the scores `SaliencyCallback(faithfulness=...)` stores with the masks.

Like `methods`, this package imports TensorFlow; `tensorboard_plugin_saliency`
itself does not.
"""

from tensorboard_plugin_saliency.faithfulness.curves import (
    Curves,
    deletion,
    insertion,
    pixel_ranks,
)
from tensorboard_plugin_saliency.faithfulness.randomization import (
    Randomization,
    randomization_check,
    spearman,
)

__all__ = [
    "Curves",
    "Randomization",
    "deletion",
    "insertion",
    "pixel_ranks",
    "randomization_check",
    "spearman",
]
