"""Batched saliency methods for TF2 / Keras models.

A *model* is any callable mapping a float32 batch `[N, H, W, C]` to scores
`[N, classes]` (logits or probabilities). Every method has the form

    method(model, images, targets=None, **params) -> np.ndarray (float32)

where `images` is `[N, H, W, C]` and `targets` holds one class index per image
(default: the model's predicted class). Any other score is explained with
`target=`: `increase(i)`, `decrease(i)`, `keep(i)` (a regression or any output
unit, as keras-vis), `layer_filter(layer, filter)` (what a filter of an
intermediate layer looks for) or a callable `outputs -> [N]` scores; `output=`
picks one output of a model with several (see `targets`). Attributions have the shape of
`images`, except Grad-CAM's, which are `[N, h, w]` at the layer's resolution.

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

- `checks`: the arguments every method shares (model, images, targets, counts).
- `targets`: what a method explains (a class, or any score of any output).
- `engine`: the virtual batch (`over_points`), the traced-function cache and
  the thread pools (made on first use); `replicas`: the same under `tf.distribute`.
- one module per method: `gradients` (with `gradient_x_input`),
  `integrated_gradients`, `blur_ig`, `guided_ig` (with `row_select`), `smoothgrad`, `grad_cam`,
  `occlusion`, `guided_backprop`, `deconvnet` (both on `relu_rewrite`, a copy of
  the model with its ReLU gradients rewritten), `guided_grad_cam`, `xrai` (with
  `xrai_segments`). A method says how to make model input k of image i (a path
  step, a noisy copy, an occluded copy) and the engine does the rest.
- `registry`: method names (`METHODS`) and their parameters as provenance
  (`method_params`, `default_params`).

Adding a method: a module beside the others, its line in `registry.METHODS`
and in the imports below, and its row in the tests' table of methods.

This package imports TensorFlow; `tensorboard_plugin_saliency` itself does not.

Example::

    from tensorboard_plugin_saliency import methods

    masks = methods.integrated_gradients(model, images, steps=25)  # [N, H, W, C]
    cams = methods.grad_cam(model, images)                         # [N, h, w]
"""

from tensorboard_plugin_saliency.methods.blur_ig import blur_integrated_gradients
from tensorboard_plugin_saliency.methods.deconvnet import deconvnet
from tensorboard_plugin_saliency.methods.engine import DEFAULT_BATCH_SIZE
from tensorboard_plugin_saliency.methods.grad_cam import grad_cam, grad_cam_layer
from tensorboard_plugin_saliency.methods.gradients import gradient_x_input, gradients
from tensorboard_plugin_saliency.methods.guided_backprop import guided_backprop
from tensorboard_plugin_saliency.methods.guided_grad_cam import guided_grad_cam
from tensorboard_plugin_saliency.methods.guided_ig import guided_integrated_gradients
from tensorboard_plugin_saliency.methods.integrated_gradients import integrated_gradients
from tensorboard_plugin_saliency.methods.occlusion import occlusion
from tensorboard_plugin_saliency.methods.registry import METHODS, default_params, method_params
from tensorboard_plugin_saliency.methods.smoothgrad import smoothgrad
from tensorboard_plugin_saliency.methods.targets import decrease, increase, keep, layer_filter
from tensorboard_plugin_saliency.methods.xrai import xrai

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "METHODS",
    "blur_integrated_gradients",
    "decrease",
    "deconvnet",
    "default_params",
    "grad_cam",
    "grad_cam_layer",
    "gradient_x_input",
    "gradients",
    "guided_backprop",
    "guided_grad_cam",
    "guided_integrated_gradients",
    "increase",
    "integrated_gradients",
    "keep",
    "layer_filter",
    "method_params",
    "occlusion",
    "smoothgrad",
    "xrai",
]
