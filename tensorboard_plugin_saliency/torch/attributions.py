"""Captum attributions a user passes as they are (`{name: captum Attribution}`), logged
beside the table's methods; and the table's older PyTorch names.

The table's methods are computed by the shared method modules on the PyTorch adapter
(`torch_model`); a Captum `Attribution` instance is called as
`.attribute(x, target=classes)` and recorded with its class and Captum's version.
"""

import numpy as np

from tensorboard_plugin_saliency.methods import table

METHODS = {name: method.defaults for name, method in table.METHODS.items()}
"""Method name -> its parameters and their defaults (the table's, for both frameworks)."""


def split(chosen):
    """`({name: params}, {name: Attribution})` of `table.settings`' result.

    Raises:
      TypeError: a value is neither parameters nor a Captum `Attribution`.
    """
    methods, others = {}, {}
    for name, params in chosen.items():
        if isinstance(params, dict):
            methods[name] = params
        elif _is_attribution(params):
            others[name] = params
        else:
            raise TypeError(
                f"methods[{name!r}]: expected a dict of parameters or a Captum "
                f"Attribution instance, got {type(params).__name__}"
            )
    return methods, others


def explainer(attribution, adapter):
    """`(images, classes) -> (attributions [N, C, H, W] (NumPy), provenance)` of a Captum
    `Attribution` instance, on the adapter's device."""
    import captum
    import torch

    def explain(images, classes):
        x = torch.as_tensor(np.asarray(images), dtype=torch.float32, device=adapter.device)
        t = torch.as_tensor(np.asarray(classes), dtype=torch.long, device=adapter.device)
        result = attribution.attribute(x.clone().requires_grad_(), target=t)
        if isinstance(result, tuple):
            result = result[0]
        values = result.detach().cpu().float().numpy()
        return values, {"captum": type(attribution).__name__, "captum_version": captum.__version__}

    return explain


def numpy(value):
    """A tensor or an array as NumPy."""
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _is_attribution(value):
    try:
        from captum.attr import Attribution
    except ImportError:
        return False
    return isinstance(value, Attribution)
