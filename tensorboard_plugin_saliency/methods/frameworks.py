"""Which adapter serves a model: PyTorch for a `torch.nn.Module`, else Keras.

Neither framework is imported unless the model is one of its own: a PyTorch user's
process never imports TensorFlow through this package.
"""

import sys

from tensorboard_plugin_saliency.methods.table import DEFAULT_BATCH_SIZE


def is_torch_module(model):
    """Whether `model` is a `torch.nn.Module` (without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def adapter_for(model, batch_size=DEFAULT_BATCH_SIZE, strategy=None):
    """The model adapter (`adapter.ModelAdapter`) for `model`.

    Args:
      model: a `torch.nn.Module`, or a Keras model (any TF callable).
      batch_size: largest number of model inputs per model call.
      strategy: a `tf.distribute.Strategy` (Keras only).
    """
    if is_torch_module(model):
        if strategy is not None:
            raise ValueError("strategy: a tf.distribute.Strategy runs Keras models, not PyTorch")
        return torch_adapter(model, batch_size)
    return keras_adapter(model, batch_size, strategy)


def keras_adapter(model, batch_size=DEFAULT_BATCH_SIZE, strategy=None):
    """`keras_model.KerasModel` (imports TensorFlow)."""
    from tensorboard_plugin_saliency.methods.keras_model import KerasModel

    return KerasModel(model, batch_size, strategy)


def torch_adapter(model, batch_size=DEFAULT_BATCH_SIZE):
    """`torch.torch_model.TorchModel` (imports torch)."""
    from tensorboard_plugin_saliency.torch.torch_model import TorchModel

    return TorchModel(model, batch_size)
