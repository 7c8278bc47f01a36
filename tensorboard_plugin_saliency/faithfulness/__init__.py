"""Faithfulness and sanity scores of saliency masks: which map to trust.

- `deletion`, `insertion` (`curves`): the model's score as the mask's most salient
  pixels are removed, or restored onto a blurred copy, first (Petsiuk et al. 2018),
  with the same curves under a random pixel order as the baseline of chance.
- `randomization_check` (`randomization`): the masks after re-initialising the
  model's layers from the top, and their rank correlation with the trained model's
  (Adebayo et al. 2018).
- `localisation` (`localisation`): whether a mask's weight lies on the explained
  class's region (pointing game, relevance mass and rank, attribution localisation,
  top-k intersection, mass ratio: Quantus's definitions), beside a random map's.
- `road` (`road`): ROAD, remove and debias (Rong et al. 2022): the model's score as
  the mask's most or least relevant pixels are removed and filled by noisy linear
  imputation, as pytorch-grad-cam defines it, beside a random order's.
- `logged`: the scores `SaliencyCallback(faithfulness=...)` stores with the masks.

The curves run on either framework's model adapter and import neither framework
themselves; the randomisation check clones Keras models, and TensorFlow is imported
when it is first asked for.
"""

from tensorboard_plugin_saliency.faithfulness.curves import (
    Curves,
    deletion,
    insertion,
    pixel_ranks,
)
from tensorboard_plugin_saliency.faithfulness.localisation import localisation
from tensorboard_plugin_saliency.faithfulness.road import Road, road

_RANDOMIZATION = ("Randomization", "randomization_check", "spearman")


def __getattr__(name):
    if name in _RANDOMIZATION:
        from tensorboard_plugin_saliency.faithfulness import randomization

        return getattr(randomization, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


__all__ = [
    "Curves",
    "Randomization",
    "Road",
    "deletion",
    "insertion",
    "localisation",
    "pixel_ranks",
    "randomization_check",
    "road",
    "spearman",
]
