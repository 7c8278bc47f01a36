"""Each method's parameters as provenance for the stored masks, for both frameworks.

`method_params("grad_cam", model=model)` is what a callback records beside a mask:
the method's defaults from the table, the parameters it ran with, and what it resolved
from the model (Grad-CAM's layer, by name). The same call gives the same keys for a
Keras model and a PyTorch module. This module imports neither TensorFlow nor PyTorch.
"""

import numpy as np

from tensorboard_plugin_saliency.methods import table
from tensorboard_plugin_saliency.methods.targets import Target


def _jsonable(value):
    if isinstance(value, Target):
        return value.text  # e.g. "decrease(0)", "filter conv2:5"
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # an array or a tensor
        return f"array{[int(d) for d in value.shape]}"
    if isinstance(getattr(value, "method_name", None), str):
        return value.method_name
    if isinstance(getattr(value, "name", None), str) and not callable(value):
        return value.name  # a Keras layer
    if hasattr(value, "func") and hasattr(value, "keywords"):  # functools.partial
        return table.base_name(value)[0]
    if callable(value):
        name = getattr(value, "name", None)
        return name if isinstance(name, str) else getattr(value, "__name__", type(value).__name__)
    return value


def _declared(method, given):
    """The parameters of `method` that describe it: defaults, as the table says to
    record them (`Param.recorded`)."""
    out = {}
    for p in method.params:
        if p.recorded == "always" or (p.recorded == "changed" and p.name in given):
            out[p.name] = p.default
    return out


def method_params(name, model=None, **params):
    """JSON-friendly parameters of method `name`: its defaults, then `params`.

    For the callbacks' provenance, e.g. `method_params("smoothgrad")` ->
    `{"base": "gradients", "nsamples": 25, "stdev_spread": 0.15, "magnitude": True,
    "seed": None}`. For SmoothGrad, the base method's parameters are included.
    `batch_size`, `strategy` and arrays of the run (`noise`, XRAI's `attributions`
    and `segments`) are left out: they do not describe the method. `target` and
    `output` are recorded when set.

    Args:
      name: a method of the table (an older name warns).
      model: the model the method runs on (Keras or PyTorch), if known. Parameters
        the method resolves from the model are then recorded as resolved: the `layer`
        of a method that reads a layer (Grad-CAM's) becomes the name of the layer it
        uses.
      **params: the parameters the method is called with.

    Returns:
      `{parameter: value}` with JSON values (functions and layers by name, arrays as
      `"array[shape]"`).

    Raises:
      ValueError: `name` is not a method (or, with `model`, Grad-CAM's `layer` is not
        a spatial layer of it).

    Example:
      ```python
      from tensorboard_plugin_saliency import methods

      params = methods.method_params("integrated_gradients", steps=50)
      assert params["steps"] == 50
      ```
    """
    if name not in table.METHODS and name not in table.ALIASES:
        raise ValueError(f"name: expected one of {sorted(table.METHODS)}, got {name!r}")
    method = table.METHODS[table.canonical(name, "name")]
    hidden = {p.name for p in method.params if p.recorded == "never"}
    hidden |= {"batch_size", "strategy", "targets"}
    out = _declared(method, params)
    runs = method
    if method.name == "smoothgrad":
        base, preset = table.base_name(params.get("base", method.defaults["base"]))
        if base not in ("smoothgrad", "xrai"):
            runs = table.METHODS[base]
            out.update(_declared(runs, {**preset, **params}))
            hidden |= {p.name for p in runs.params if p.recorded == "never"}
            out.update(preset)
    out.update(params)
    if out.get("layers") is not None:  # several layers: no single one
        out.pop("layer", None)
    if model is not None and "layer" in runs.defaults:  # the layers it resolves, by name
        from tensorboard_plugin_saliency.methods.frameworks import adapter_for

        adapter = adapter_for(model)
        if out.get("layers") is not None:
            out["layers"] = [adapter.layer_name(layer) for layer in out["layers"]]
        else:
            out["layer"] = adapter.layer_name(out.get("layer"))
    for key in ("target", "output"):  # recorded when not each image's class of output 0
        if out.get(key) is None:
            out.pop(key, None)
    return {k: _jsonable(v) for k, v in out.items() if k not in hidden}


def default_params(name):
    """The default parameters of method `name` (see `method_params`).

    Args:
      name: a method of the table (an older name warns).

    Returns:
      `{parameter: default}` with JSON values.

    Raises:
      ValueError: `name` is not a method.

    Example:
      ```python
      from tensorboard_plugin_saliency import methods

      print(methods.default_params("smoothgrad"))  # {"base": "gradients", "nsamples": 25, ...}
      ```
    """
    return method_params(name)
