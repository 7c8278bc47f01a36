"""One logging flow for the Keras callback, the Lightning callback and
`log_attributions`: settings, targets, masks, scores, captions, write.

`explain` explains a fixed batch with the named methods on a model adapter (Keras
or PyTorch, `methods.adapter`), scores the masks (deletion / insertion, optional) and
captions each image ("true: cat · pred: dog 0.87"); `write` writes that as one
saliency summary, with each method's parameters as provenance and the scores' batch
means as scalars. Nothing is written until everything is computed, so a mistake found
on the way leaves no file behind.
`due` is the rule of which epochs log. The callers keep only what their framework
needs: where the images and the writer come from, and who writes (the chief, rank
zero). This module imports neither TensorFlow nor PyTorch.
"""

import dataclasses
import warnings

import numpy as np

from tensorboard_plugin_saliency import captions as captions_lib
from tensorboard_plugin_saliency import regions as regions_lib
from tensorboard_plugin_saliency import scores as scores_lib
from tensorboard_plugin_saliency.faithfulness import logged
from tensorboard_plugin_saliency.methods import checks, registry, table


def due(epoch, every, last=None):
    """Whether epoch `epoch` (counted from 1) logs: every `every`-th epoch, and the
    last one (`last`, the number of epochs, when known)."""
    return epoch % every == 0 or (last is not None and epoch == last)


def renamed(old, new, value, current, what):
    """`value` given under an old spelling `old`, for `new` (a DeprecationWarning);
    `current` when `value` is None. Both given is an error."""
    if value is None:
        return current
    if current is not None:
        raise TypeError(
            f"{what}: pass {new}= (the old spelling {old}= is the same thing), not both"
        )
    warnings.warn(
        f"{what}: {old}= is now {new}=; the old spelling will be removed",
        DeprecationWarning,
        stacklevel=3,
    )
    return value


@dataclasses.dataclass(frozen=True)
class Explained:
    """A batch explained for logging: what `write` writes."""

    display: np.ndarray
    """The images to show, float `[N, H, W, C]` in [0, 1]."""
    masks: dict
    """`{name: mask}`, channels last or `[N, h, w]`."""
    provenance: dict
    """`{name: parameters}` as recorded beside each mask."""
    scores: dict
    """`{name: {score: values}}` (empty without faithfulness)."""
    captions: list
    """One caption per image."""
    fields: dict = dataclasses.field(default_factory=dict)
    """`{name: one value per image}`: `predicted`, `confidence`, and with the true
    classes `true`, `loss` (cross-entropy) and `correct`."""
    class_names: list | None = None
    """The names of the class indices in `fields` (None unless they name every class)."""
    regions: object = None
    """The images' ground truth as the writers take it (`regions.Regions`), or None."""


def explain(
    model,
    images,
    *,
    methods,
    true_classes=None,
    faithfulness=None,
    captions=None,
    class_names=None,
    others=None,
    regions=None,
):
    """Explains `images` with `methods`, scores and captions them.

    Args:
      model: the model's adapter (`methods.adapter.ModelAdapter`).
      images: the model inputs, in the framework's layout.
      methods: `{method name: params}` of `table.settings` (canonical names, checked).
      true_classes: each image's class `[N]`, or None: the masks explain the predicted
        class and the captions name only the prediction.
      faithfulness: `{kind: params}` of `faithfulness.logged.settings`, or None.
      captions: one caption per image, in place of "true: cat · pred: dog 0.87".
      class_names: names of the classes, by index, for the captions.
      others: `{name: explain}` of masks the framework computes itself (a Captum
        `Attribution`): `explain(images, classes) -> (mask, provenance)`.
      regions: the images' ground truth (`regions.Regions`, at the model inputs'
        size), or None. With regions, `faithfulness` holds "localisation": each
        mask is scored against its image's region of the explained class.

    Returns:
      `Explained`.
    """
    with model.running():
        pixels = model.images(images)
        n, size = int(pixels.shape[0]), tuple(int(d) for d in pixels.shape[1:3])
        prepared_regions = regions_lib.prepare_regions(regions, n, size)
        probabilities = captions_lib.probabilities(model.ops.numpy(model.class_scores(pixels)))
        if true_classes is None:
            explained = probabilities.argmax(axis=1)
        else:
            explained = checks.class_indices(true_classes, n)
        masks, provenance, targets = {}, {}, {}
        for name, params in methods.items():
            method = table.METHODS[name]
            params = dict(params)
            target, output = params.pop("target", None), params.pop("output", None)
            prepared = model.prepare(
                images, None if target is not None else explained, target, output
            )
            masks[name] = method.run(model, prepared, params)
            provenance[name] = registry.method_params(
                name, model=model.model, target=target, output=output, **params
            )
            if target is not None or output is not None:
                targets[name] = (target, output)
        for name, explain in (others or {}).items():
            mask, provenance[name] = explain(images, explained)
            masks[name] = model.channels_last(mask) if np.ndim(mask) == 4 else mask
        scores = logged.mask_scores(
            model,
            images,
            masks,
            explained,
            faithfulness or {},
            targets=targets,
            regions=regions_lib.regions_of(prepared_regions, explained, size),
        )
    if captions is None:
        captions = captions_lib.captions(
            probabilities, None if true_classes is None else explained, class_names
        )
    return Explained(
        display=captions_lib.display_images(model.ops.numpy(pixels)),
        masks=masks,
        provenance=provenance,
        scores=scores if faithfulness else {},
        captions=list(captions)[:n],
        fields=outcome_fields(probabilities, None if true_classes is None else explained),
        class_names=_naming_all(class_names, probabilities.shape[1]),
        regions=regions,
    )


def outcome_fields(probabilities, true_classes=None):
    """The typed fields of a classifier's outcome on each image: `predicted` and
    `confidence` (its probability), and with `true_classes`, `true`, `loss` (the
    cross-entropy, `-log p(true)`) and `correct`. (The whole probability vector is a
    field the writers take, `probabilities`, left out here: 1,000 classes would
    make each image's record 20 KB.)"""
    predicted = probabilities.argmax(axis=1)
    rows = np.arange(len(probabilities))
    fields = {"predicted": predicted, "confidence": probabilities[rows, predicted]}
    if true_classes is not None:
        true = np.asarray(true_classes, np.int64)
        fields["true"] = true
        fields["loss"] = -np.log(np.maximum(probabilities[rows, true], 1e-12))
        fields["correct"] = [bool(c) for c in predicted == true]
    return fields


def _naming_all(class_names, classes):
    """`class_names` as a list when they name each of the `classes`, else None (the
    fields then hold bare indices, and the captions say what names they can)."""
    if class_names is None or len(class_names) < classes:
        return None
    return [str(c) for c in class_names]


def positional_ids(n):
    """The ids of a fixed batch's `n` images, their positions ("0", "1", ...): the
    same image has the same id at every step, so the grid lines steps up by them."""
    return [str(i) for i in range(n)]


def write(
    writer,
    explained,
    step,
    *,
    tag="saliency",
    description="",
    ids=None,
    part=None,
    parts=None,
):
    """Writes an `Explained` batch as one saliency summary at `step`, and each score's
    batch mean as a scalar `<tag>/<group>/<mask>/<score>` (`write_means`); flushes. With `part`,
    the batch is that part of the step (`SaliencyWriter.add`'s `part` and `parts`),
    and no scalar is written: the means are the whole step's (`write_means`).

    Args:
      writer: a `summary.SaliencyWriter`.
    """
    writer.add(
        tag,
        explained.display,
        explained.masks,
        step,
        labels=explained.captions,
        max_outputs=len(explained.display),
        method_params=explained.provenance,
        description=description,
        scores=explained.scores or None,
        fields=explained.fields or None,
        class_names=explained.class_names,
        ids=None if ids is None else list(ids)[: len(explained.display)],
        part=part,
        parts=parts,
        regions=explained.regions,
    )
    if part is None:
        stored = scores_lib.prepare_scores(
            explained.scores, list(explained.masks), len(explained.display)
        )
        write_means(writer, scores_lib.means(stored), step, tag=tag)
    writer.flush()


def write_means(writer, means, step, *, tag="saliency"):
    """Writes each score of `means` (`{mask: {score: mean}}`) that the dashboard knows
    as a scalar `<tag>/<group>/<mask>/<score>` at `step`, where the group is
    "faithfulness" (deletion, insertion, ROAD) or "localisation"
    (`scores.GROUPS`), so that TensorBoard's Scalars dashboard plots it over training."""
    for name, named in means.items():
        for score, value in named.items():
            group = scores_lib.GROUPS.get(score)
            if group is not None:
                writer.add_scalar("%s/%s/%s/%s" % (tag, group, name, score), value, step)
