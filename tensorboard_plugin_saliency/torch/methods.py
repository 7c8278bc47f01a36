"""The saliency methods as functions of PyTorch modules: the same names, parameters,
defaults and math as `tensorboard_plugin_saliency.methods` for Keras models (one
table, `methods.table`), computed with hooks and batches on the module's device.

Each takes `(model, images, targets=None, **params)` with images `[N, C, H, W]` and
returns float32 NumPy attributions `[N, C, H, W]` (Grad-CAM `[N, h, w]`, XRAI
`[N, H, W]`). Captum computes the same methods where it has them; the parity tests
compare the two.

Example::

    from tensorboard_plugin_saliency.torch import methods

    masks = methods.integrated_gradients(module, images, steps=25)  # [N, C, H, W]
"""

from tensorboard_plugin_saliency.methods import api, frameworks, table
from tensorboard_plugin_saliency.methods.region_targets import detection, segmentation
from tensorboard_plugin_saliency.methods.targets import decrease, increase, keep, layer_filter

METHODS = {
    name: api.method_function(
        name,
        frameworks.torch_adapter,
        {"batch_size": table.DEFAULT_BATCH_SIZE},
        "PyTorch",
        __name__,
    )
    for name in table.METHODS
}
"""Method name -> its function of PyTorch modules."""

globals().update(METHODS)

__all__ = [
    "METHODS",
    *METHODS,
    "decrease",
    "detection",
    "increase",
    "keep",
    "layer_filter",
    "segmentation",
]
