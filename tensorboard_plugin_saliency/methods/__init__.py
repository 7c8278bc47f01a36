"""Batched saliency methods for Keras and PyTorch models, each written once.

The methods, their parameters and defaults are one table (`table.METHODS`). Each
method's math is one module (`compute(model, batch, **params)`) over a model adapter:
`keras_model.KerasModel` for TF2 / Keras models, `torch.torch_model.TorchModel` for
PyTorch (see `adapter` for what a method asks of a model). This package gives them as
functions of Keras models; `tensorboard_plugin_saliency.torch.methods` gives the same
functions, with the same parameters, for PyTorch modules.

A *model* is any callable mapping a float32 batch `[N, H, W, C]` to scores
`[N, classes]` (logits or probabilities). Every method has the form

    method(model, images, targets=None, **params) -> np.ndarray (float32)

where `images` is `[N, H, W, C]` and `targets` holds one class index per image
(default: the model's predicted class). Any other score is explained with
`target=`: `increase(i)`, `decrease(i)`, `keep(i)` (a regression or any output
unit, as keras-vis), `layer_filter(layer, filter)` (what a filter of an
intermediate layer looks for), `segmentation(class_index, mask)` (a class over a
pixel region of a dense output), `detection(boxes, labels)` (the detections that
match given boxes) or a callable `outputs -> [N]` scores; `output=` picks one
output of a model with several (see `targets` and `region_targets`). Attributions have the shape
of `images`, except Grad-CAM's, which are `[N, h, w]` at the layer's resolution, and
XRAI's, `[N, H, W]`.

The algorithms follow PAIR's `saliency.core` 0.2.1 (same defaults, same
formulas); the difference is execution. PAIR explains one image at a time and
calls the model once per noise sample, path step or occlusion window. Here all
of those model inputs, for all images, form one long virtual batch that runs
through a traced `tf.function` in equal chunks of at most `batch_size` inputs,
so the memory stays bounded and the model sees large batches. Traced functions
are cached per model and reused while the shapes stay the same.

Under `tf.distribute`, every method takes `strategy=` (default: the strategy of
the enclosing `strategy.scope()`): each chunk is split into equal slices, one
per replica on this worker, run with `strategy.run` and gathered back in order,
with the single-device results (to float rounding). Only the local worker's
replicas take part and no collective op runs, so under
`MultiWorkerMirroredStrategy` one worker may compute alone.

The package, in the order to read it:

- `table`: the methods, their parameters, defaults, costs, papers and peer names.
- `checks`, `targets`: the arguments every method shares, and what a method explains.
- `adapter`: what a method asks of a model; `keras_model` (over `engine`, the
  virtual batch, `replicas` for `tf.distribute`, `relu_rewrite` and `tf_ops`) and
  `torch.torch_model` implement it.
- one module per method: `gradients` (with `gradient_x_input`), `integrated_gradients`,
  `blur_ig`, `guided_ig` (with `row_select`), `smoothgrad`, `grad_cam`, `occlusion`,
  `guided_backprop`, `deconvnet`, `guided_grad_cam` (with `resize`), `xrai` (with
  `xrai_segments`). A method says how to make model input k of image i (a path step,
  a noisy copy, an occluded copy) and the adapter does the rest.
- `api`: the functions below, made from the table; `registry`: the parameters as
  provenance (`method_params`, `default_params`).

Adding a method: a module beside the others with its `compute`, and its row in
`table.TABLE`; both frameworks' functions, the callbacks and the README's table follow.

This package imports TensorFlow only when a Keras model is explained.

Example::

    from tensorboard_plugin_saliency import methods

    masks = methods.integrated_gradients(model, images, steps=25)  # [N, H, W, C]
    cams = methods.grad_cam(model, images)                         # [N, h, w]
"""

from tensorboard_plugin_saliency.methods import api, frameworks, table
from tensorboard_plugin_saliency.methods.region_targets import detection, segmentation
from tensorboard_plugin_saliency.methods.registry import default_params, method_params
from tensorboard_plugin_saliency.methods.table import DEFAULT_BATCH_SIZE
from tensorboard_plugin_saliency.methods.targets import decrease, increase, keep, layer_filter

METHODS = {
    name: api.method_function(
        name,
        frameworks.keras_adapter,
        {"batch_size": DEFAULT_BATCH_SIZE, "strategy": None},
        "Keras",
        __name__,
    )
    for name in table.METHODS
}
"""Method name -> its function of Keras models."""

globals().update(METHODS)


def grad_cam_layer(model, layer=None):
    """The Keras layer whose output Grad-CAM weighs (see `keras_model.grad_cam_layer`).

    Args:
      model: a Keras model.
      layer: a layer of `model` or its name; None: the layer Grad-CAM picks by default
        (see `grad_cam`'s `layer`).

    Returns:
      The Keras layer.

    Raises:
      TypeError: `model` is not a Keras model.
      ValueError: `layer` is not a layer of `model` with a spatial or token output,
        or the model has none.

    Example:
      ```python
      from tensorboard_plugin_saliency import methods

      print(methods.grad_cam_layer(model).name)  # the layer grad_cam(model, ...) uses
      ```
    """
    from tensorboard_plugin_saliency.methods.keras_model import grad_cam_layer as resolve

    return resolve(model, layer)


__all__ = [
    "DEFAULT_BATCH_SIZE",
    "METHODS",
    *METHODS,
    "decrease",
    "default_params",
    "detection",
    "grad_cam_layer",
    "increase",
    "keep",
    "layer_filter",
    "method_params",
    "segmentation",
]
