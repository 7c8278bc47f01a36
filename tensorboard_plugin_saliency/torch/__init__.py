"""Saliency logging for PyTorch: Captum attributions, one call, the same dashboard.

- `log_attributions(writer, model, images, targets, step=...)`: computes each method
  with Captum on a fixed batch and writes one saliency summary (`log`), with captions
  from the model's softmax and each method's parameters as provenance.
- `attributions`: the methods by name (`METHODS`) and the Captum class of each.
- `SaliencyCallback`: a PyTorch Lightning callback that calls `log_attributions`
  every n-th validation epoch, on rank zero only (`lightning`).

torch and captum are imported when first used (extra `[torch]`); Lightning only for
`SaliencyCallback` (extra `[lightning]`).
"""

from tensorboard_plugin_saliency.torch.attributions import METHODS
from tensorboard_plugin_saliency.torch.log import DEFAULT_METHODS, log_attributions

__all__ = ["DEFAULT_METHODS", "METHODS", "SaliencyCallback", "log_attributions"]


def __getattr__(name):
    if name == "SaliencyCallback":
        from tensorboard_plugin_saliency.torch.lightning import SaliencyCallback

        return SaliencyCallback
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
