"""`log_attributions`: one call that computes Captum attributions of a fixed batch and
writes them as a saliency summary, laid out as the Keras callback lays them out."""

import contextlib
import os

import numpy as np

from tensorboard_plugin_saliency import captions, summary, validate
from tensorboard_plugin_saliency.torch import attributions

DEFAULT_METHODS = ("saliency", "smoothgrad", "integrated_gradients")
"""The methods logged when none are named."""


def log_attributions(
    writer,
    model,
    images,
    targets=None,
    *,
    step,
    methods=DEFAULT_METHODS,
    tag="saliency",
    labels=None,
    class_names=None,
    batch_size=64,
    max_outputs=None,
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
      methods: names of `attributions.METHODS`, a dict `{name: params}`, or
        `{name: captum Attribution instance}` (called as `.attribute(x, target=t)`).
      tag: the summary's tag.
      labels: one caption per image, in place of "true: cat · pred: dog 0.87".
      class_names: names of the classes, by index, for the captions.
      batch_size: Captum's batch size (`internal_batch_size` and its kin).
      max_outputs: log only the first `max_outputs` images (None: all of them).

    The model runs in `eval()` mode and goes back to its mode afterwards; gradients
    are taken with respect to the inputs only, so the parameters' `.grad` stay as they
    were. Works inside `torch.no_grad()` and `torch.inference_mode()` (validation).

    Returns:
      `{method name: attributions (NumPy)}`, as written.
    """
    import torch

    validate.integer("step", step)
    chosen = attributions.settings(methods)
    if max_outputs is not None:
        validate.integer("max_outputs", max_outputs, minimum=1)
    device = _device(model)
    with torch.inference_mode(False), torch.enable_grad():
        x = torch.as_tensor(np.asarray(_cpu(images)), dtype=torch.float32)[:max_outputs]
        x = x.clone().to(device).requires_grad_()
        if x.ndim != 4:
            raise ValueError("images: expected [N, C, H, W], got shape %s" % (tuple(x.shape),))
        with _eval_mode(model):
            with torch.no_grad():
                probabilities = captions.probabilities(model(x).detach().cpu().numpy())
            if targets is None:
                explained = probabilities.argmax(axis=1)
            else:
                explained = np.asarray(_cpu(targets)).reshape(-1)[: len(x)].astype(np.int64)
            t = torch.as_tensor(explained, dtype=torch.long, device=device)
            masks = {
                name: attributions.attribute(model, x, t, name, params, batch_size)
                for name, params in chosen.items()
            }
    if labels is None:
        labels = captions.captions(
            probabilities, None if targets is None else explained, class_names
        )
    display = captions.display_images(x.detach().cpu().numpy().transpose(0, 2, 3, 1))
    saliency_writer, owned = _writer(writer)
    try:
        saliency_writer.add(
            tag,
            display,
            masks,
            step,
            labels=list(labels)[: len(x)],
            method_params={name: attributions.provenance(name, p) for name, p in chosen.items()},
            description="Saliency of %d fixed images, logged with Captum by "
            "tensorboard_plugin_saliency.torch." % len(x),
        )
        saliency_writer.flush()
    finally:
        if owned:
            saliency_writer.close()
    return masks


def _writer(writer):
    """`(SaliencyWriter, whether it is ours to close)`."""
    if isinstance(writer, summary.SaliencyWriter):
        return writer, False
    if isinstance(writer, (str, os.PathLike)):
        return summary.SaliencyWriter(writer), True
    return summary.SaliencyWriter(writer), False


@contextlib.contextmanager
def _eval_mode(model):
    training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(training)


def _device(model):
    for parameter in model.parameters():
        return parameter.device
    import torch

    return torch.device("cpu")


def _cpu(value):
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value
