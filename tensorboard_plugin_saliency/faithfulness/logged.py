"""The faithfulness scores logged with the masks: per mask, per image, and their means.

`mask_scores` turns each mask of a logged batch into the scores a saliency summary
stores (`scores.prepare_scores`): for each curve kind, the AUC, its random baseline
and both curves, under the names the dashboard knows (`scores.DIRECTIONS`).
"""

from tensorboard_plugin_saliency.faithfulness import curves

KINDS = {"deletion": curves.deletion, "insertion": curves.insertion}
"""The curves the callback can log, by name."""


def settings(faithfulness):
    """`{kind: params}` from a tuple of kind names or a dict `{kind: params}`."""
    if faithfulness is None:
        return {}
    if isinstance(faithfulness, str):
        faithfulness = (faithfulness,)
    if isinstance(faithfulness, dict):
        chosen = dict(faithfulness)
    else:
        chosen = {kind: {} for kind in faithfulness}
    for kind, params in chosen.items():
        if kind not in KINDS:
            raise ValueError(f"faithfulness: {kind!r} is not one of {', '.join(sorted(KINDS))}")
        if not isinstance(params, dict):
            raise TypeError(f"faithfulness[{kind!r}]: expected a dict of parameters")
    return chosen


def mask_scores(model, images, masks, classes, chosen, *, targets=None):
    """`{mask name: {score name: array}}` for every mask in `masks`.

    Args:
      model: the model's adapter (`methods.adapter.ModelAdapter`).
      images: its inputs, in the framework's layout.
      masks: `{mask name: attributions (channels last) or masks [N, h, w]}`.
      classes: each image's explained class `[N]`.
      chosen: `{kind: params}` (see `settings`).
      targets: `{mask name: (target, output)}` for masks that explain another score.

    The random baseline does not depend on the mask: it is computed once per kind
    (and target) and stored with every mask.
    """
    targets = targets or {}
    out = {name: {} for name in masks}
    batches = {}
    for kind, params in chosen.items():
        baselines = {}
        for name, mask in masks.items():
            target, output = targets.get(name, (None, None))
            key = (id(target), output)
            if key not in batches:
                batches[key] = model.prepare(
                    images, None if target is not None else classes, target, output
                )
            result = curves.curves_of(
                model,
                batches[key],
                kind,
                mask,
                **{**params, "random_baseline": key not in baselines},
            )
            baselines.setdefault(key, result)
            baseline = baselines[key]
            out[name].update(
                {
                    f"{kind}_auc": result.auc,
                    f"{kind}_random_auc": baseline.random_auc,
                    f"{kind}_curve": result.curves,
                    f"{kind}_random_curve": baseline.random_curves,
                }
            )
    return out
