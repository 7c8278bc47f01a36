"""Saliency for PyTorch: the methods of the Keras side, one call, the same dashboard.

- `methods`: every method of the table (`methods.table`) as a function of PyTorch
  modules, with the same names, parameters, defaults and math as for Keras models.
- `log_attributions(writer, model, images, targets, step=...)`: computes each method
  on a fixed batch and writes one saliency summary (`log`), with captions from the
  model's softmax, each method's parameters as provenance and, optionally, deletion
  and insertion scores; through the same logging flow as the Keras callback.
- `METHODS`: each method's name and its default parameters; a Captum `Attribution`
  passed by the user is logged as it is (`attributions`).
- `SaliencyCallback`: a PyTorch Lightning callback that calls `log_attributions`
  every n-th validation epoch, on rank zero only (`lightning`).

torch is imported when first used (extra `[torch]`, which brings Captum for the
user's own attributions); Lightning only for `SaliencyCallback` (extra `[lightning]`).
No TensorFlow is imported on this side.
"""

from tensorboard_plugin_saliency.torch.attributions import METHODS
from tensorboard_plugin_saliency.torch.log import DEFAULT_METHODS, log_attributions

__all__ = ["DEFAULT_METHODS", "METHODS", "SaliencyCallback", "log_attributions"]


def __getattr__(name):
    if name == "SaliencyCallback":
        from tensorboard_plugin_saliency.torch.lightning import SaliencyCallback

        return SaliencyCallback
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
