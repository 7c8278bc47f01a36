"""`log_attributions`: one call that explains a fixed batch with the named methods and
writes it as a saliency summary, through the logging flow the Keras callback uses."""

import os

from tensorboard_plugin_saliency import logging_flow, summary, validate
from tensorboard_plugin_saliency import regions as regions_lib
from tensorboard_plugin_saliency.faithfulness import logged
from tensorboard_plugin_saliency.methods import table
from tensorboard_plugin_saliency.torch import attributions
from tensorboard_plugin_saliency.torch.torch_model import TorchModel

DEFAULT_METHODS = ("gradients", "smoothgrad", "integrated_gradients")
"""The methods logged when none are named (as the Keras callback's)."""


def log_attributions(
    writer,
    model,
    images,
    targets=None,
    *,
    step,
    methods=DEFAULT_METHODS,
    tag="saliency",
    captions=None,
    class_names=None,
    batch_size=table.DEFAULT_BATCH_SIZE,
    max_outputs=None,
    faithfulness=None,
    labels=None,
    ids=None,
    regions=None,
):
    """Computes each method's attributions of `images` and writes one saliency summary.

    Args:
      writer: a `torch.utils.tensorboard.SummaryWriter`, a `tensorboardX.SummaryWriter`,
        a `SaliencyWriter`, or a log directory.
      model: a `torch.nn.Module` classifier: `[N, C, H, W]` -> scores `[N, classes]`.
      images: `[N, C, H, W]` model inputs (a tensor or an array). Shown as they are
        when in [0, 1] (or [0, 255]), else min-max scaled per image.
      targets: optional true class per image `[N]`: the masks explain it, and the
        captions name it; without it, the masks explain the predicted class.
      step: the summary's step.
      methods: names of the methods' table (`methods.table`, the same names and
        parameters as for Keras models), a dict `{name: params}`, or
        `{name: captum Attribution instance}` (called as `.attribute(x, target=t)`).
      tag: the summary's tag.
      captions: one caption per image, in place of "true: cat · pred: dog 0.87".
      class_names: names of the classes, by index, for the captions.
      batch_size: largest number of model inputs per model call.
      max_outputs: log only the first `max_outputs` images (None: all of them).
      faithfulness: curves to score every mask with, as for the Keras callback: a
        tuple of "deletion" and "insertion", or a dict `{kind: params}`. Each mask's
        AUCs, random baselines and curves are stored with it, and the AUCs' means
        written as scalars `<tag>/faithfulness/<method>/<kind>_auc`.
      labels: the older spelling of `captions` (a DeprecationWarning).
      ids: one distinct id per image (text), the same for the same image at every
        step, so that the grid lines steps up by them; None: ids made per call.
      regions: the images' ground truth, a `regions.Regions` (binary masks or label
        maps `[N, H, W]`, boxes with classes): stored with the images and outlined
        by the dashboard; each mask gets the localisation scores against its image's
        region of the explained class, and their means are written as scalars
        `<tag>/localisation/<method>/<score>`.

    The model runs in `eval()` mode and goes back to its mode afterwards; gradients
    are taken with respect to the inputs only, so the parameters' `.grad` stay as they
    were. Works inside `torch.no_grad()` and `torch.inference_mode()` (validation).

    Returns:
      `{method name: attributions (NumPy)}`, as written: `[N, C, H, W]`, or `[N, h, w]`
      for Grad-CAM and `[N, H, W]` for XRAI.

    Raises:
      ValueError, TypeError: an argument is not what it takes (nothing is written).

    Example:
      ```python
      from torch.utils.tensorboard import SummaryWriter
      from tensorboard_plugin_saliency.torch import log_attributions

      writer = SummaryWriter("logs/train")
      masks = log_attributions(
          writer, model, images, labels, step=epoch, methods=("gradients", "grad_cam")
      )
      ```
    """
    validate.integer("step", step)
    captions = logging_flow.renamed("labels", "captions", labels, captions, "log_attributions")
    chosen = table.settings(methods)
    chosen, others = attributions.split(chosen)
    chosen_faithfulness = logged.settings(faithfulness, regions=regions is not None)
    if max_outputs is not None:
        validate.integer("max_outputs", max_outputs, minimum=1)
    adapter = TorchModel(model, batch_size)
    images = attributions.numpy(images)
    if images.ndim != 4:
        raise ValueError(f"images: expected shape [N, C, H, W], got shape {images.shape}")
    images = images[:max_outputs]
    regions = regions_lib.select(regions, slice(0, len(images)))
    if targets is not None:
        targets = attributions.numpy(targets).reshape(-1)[: len(images)]
    explained = logging_flow.explain(
        adapter,
        images,
        methods=chosen,
        true_classes=targets,
        faithfulness=chosen_faithfulness,
        captions=captions,
        class_names=class_names,
        others={name: attributions.explainer(a, adapter) for name, a in others.items()},
        regions=regions,
    )
    saliency_writer, owned = _writer(writer)
    try:
        logging_flow.write(
            saliency_writer,
            explained,
            step,
            tag=tag,
            description="Saliency of %d fixed images, logged by "
            "tensorboard_plugin_saliency.torch." % len(images),
            ids=ids,
        )
    finally:
        if owned:
            saliency_writer.close()
    return {name: adapter.user_layout(mask) for name, mask in explained.masks.items()}


def _writer(writer):
    """`(SaliencyWriter, whether it is ours to close)`."""
    if isinstance(writer, summary.SaliencyWriter):
        return writer, False
    if isinstance(writer, (str, os.PathLike)):
        return summary.SaliencyWriter(writer), True
    return summary.SaliencyWriter(writer), False
