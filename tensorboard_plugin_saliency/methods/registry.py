"""Method names, and each method's parameters as provenance for the stored masks."""

import inspect

import numpy as np
import tensorflow as tf

from tensorboard_plugin_saliency.methods.blur_ig import blur_integrated_gradients
from tensorboard_plugin_saliency.methods.deconvnet import deconvnet
from tensorboard_plugin_saliency.methods.grad_cam import grad_cam, grad_cam_layer
from tensorboard_plugin_saliency.methods.gradients import gradient_x_input, gradients
from tensorboard_plugin_saliency.methods.guided_backprop import guided_backprop
from tensorboard_plugin_saliency.methods.guided_grad_cam import guided_grad_cam
from tensorboard_plugin_saliency.methods.guided_ig import guided_integrated_gradients
from tensorboard_plugin_saliency.methods.integrated_gradients import integrated_gradients
from tensorboard_plugin_saliency.methods.occlusion import occlusion
from tensorboard_plugin_saliency.methods.smoothgrad import smoothgrad
from tensorboard_plugin_saliency.methods.targets import Target
from tensorboard_plugin_saliency.methods.xrai import xrai

METHODS = {
    "gradients": gradients,
    "gradient_x_input": gradient_x_input,
    "smoothgrad": smoothgrad,
    "integrated_gradients": integrated_gradients,
    "blur_integrated_gradients": blur_integrated_gradients,
    "grad_cam": grad_cam,
    "occlusion": occlusion,
    "guided_backprop": guided_backprop,
    "deconvnet": deconvnet,
    "guided_grad_cam": guided_grad_cam,
    "guided_integrated_gradients": guided_integrated_gradients,
    "xrai": xrai,
}
"""Method name -> function, for the Keras callback."""

_NOT_PROVENANCE = (
    "model",
    "images",
    "targets",
    "batch_size",
    "strategy",
    "noise",
    "base_params",
    "attributions",
    "segments",
)


def _jsonable(value):
    if isinstance(value, Target):
        return value.text  # e.g. "decrease(0)", "filter conv2:5"
    if isinstance(value, tf.keras.layers.Layer):
        return value.name
    if callable(value):
        return getattr(value, "__name__", repr(value))
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.ndarray, tf.Tensor)):
        return f"array{list(value.shape)}"
    return value


def _declared(name):
    """The parameters of method `name` that describe it, with their defaults."""
    signature = inspect.signature(METHODS[name])
    return {
        k: p.default
        for k, p in signature.parameters.items()
        if k not in _NOT_PROVENANCE and p.default is not inspect.Parameter.empty
    }


def method_params(name, model=None, **params):
    """JSON-friendly parameters of method `name`: its defaults, then `params`.

    For the callback's provenance, e.g. `method_params("smoothgrad")` ->
    `{"base": "gradients", "nsamples": 25, "stdev_spread": 0.15,
    "magnitude": True, "seed": None}`. For smoothgrad, the base method's
    parameters are included. `batch_size`, `strategy` and `noise` are left out
    (they do not describe the method).

    Args:
      name: a key of `METHODS`.
      model: the model the method runs on, if known. Parameters the method
        resolves from the model are then recorded as resolved: Grad-CAM's
        `layer` becomes the name of the layer it uses (see `grad_cam_layer`).
      **params: the parameters the method is called with.

    Returns:
      `{parameter: value}` with JSON values (functions and layers by name,
      arrays as `"array[shape]"`).

    Raises:
      ValueError: `name` is not a method (or, with `model`, Grad-CAM's `layer`
        is not a spatial layer of it).
    """
    if name not in METHODS:
        raise ValueError(f"name: expected one of {sorted(METHODS)}, got {name!r}")
    out = _declared(name)
    runs = METHODS[name]
    if name == "smoothgrad":
        base = params.get("base", gradients)
        base_name = next((k for k, f in METHODS.items() if f is base), None)
        if base_name is not None and base_name != "smoothgrad":
            out.update(_declared(base_name))
            runs = base
    out.update(params)
    if model is not None and runs in (grad_cam, guided_grad_cam):
        out["layer"] = grad_cam_layer(model, out.get("layer"))
    # What is explained is recorded when it is not each image's class of the first output.
    for key in ("target", "output"):
        if out.get(key) is None:
            out.pop(key, None)
    return {k: _jsonable(v) for k, v in out.items() if k not in _NOT_PROVENANCE}


def default_params(name):
    """The default parameters of method `name` (see `method_params`).

    Raises:
      ValueError: `name` is not a method.
    """
    return method_params(name)
