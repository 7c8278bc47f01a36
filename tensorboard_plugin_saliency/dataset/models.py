"""The model a dataset job explains: given as a model, a file, or a function that
builds one (what a Ray actor calls, once, in its own process).

- a Keras model, or a `.keras` / `.h5` file (`keras.models.load_model`);
- a `torch.nn.Module`, or a TorchScript file (`.pt`, `.pth`, `.ts`: `torch.jit.load`);
- a function of no arguments returning either.

A framework is imported only for its own models and files: a PyTorch job never
imports TensorFlow.
"""

import os
import sys

from tensorboard_plugin_saliency.methods import frameworks

KERAS_FILES = (".keras", ".h5")
TORCH_FILES = (".pt", ".pth", ".ts")


def load(model):
    """The model object `model` names: itself, the model in its file, or what its
    builder returns. Raises ValueError / TypeError naming what was expected."""
    if isinstance(model, (str, os.PathLike)):
        return _load_file(os.fspath(model))
    if frameworks.is_torch_module(model) or is_keras_model(model):
        return model
    if callable(model):
        built = model()
        if frameworks.is_torch_module(built) or is_keras_model(built):
            return built
        raise TypeError(
            "model: the function given returned %s, expected a Keras model or a "
            "torch.nn.Module" % type(built).__name__
        )
    raise TypeError(
        "model: expected a Keras model, a torch.nn.Module, a .keras or TorchScript "
        "file, or a function that builds one; got %s" % type(model).__name__
    )


def is_keras_model(model):
    """Whether `model` is a Keras model (without importing TensorFlow)."""
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(model, keras.Model)


def layout(model):
    """How the model takes images: "channels_first" (PyTorch) or "channels_last"."""
    return "channels_first" if frameworks.is_torch_module(model) else "channels_last"


def _load_file(path):
    if not os.path.isfile(path):
        raise ValueError("model: %r is not a file" % path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix in KERAS_FILES:
        import keras

        return keras.models.load_model(path, compile=False)
    if suffix in TORCH_FILES:
        import torch

        model = torch.jit.load(path, map_location="cpu")
        model.eval()
        return model
    raise ValueError(
        "model: %r: expected a Keras file (%s) or a TorchScript file (%s)"
        % (path, ", ".join(KERAS_FILES), ", ".join(TORCH_FILES))
    )
