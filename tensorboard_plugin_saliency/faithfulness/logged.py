"""The faithfulness and localisation scores logged with the masks: per mask, per
image, and their means.

`mask_scores` turns each mask of a logged batch into the scores a saliency summary
stores (`scores.prepare_scores`): for each curve kind, the AUC, its random baseline
and both curves; with regions, the localisation scores and theirs; under the names
the dashboard knows (`scores.DIRECTIONS`).
"""

import numpy as np

from tensorboard_plugin_saliency.faithfulness import curves
from tensorboard_plugin_saliency.faithfulness.localisation import localisation
from tensorboard_plugin_saliency.faithfulness.road import logged_scores, road, road_of

KINDS = {
    "deletion": curves.deletion,
    "insertion": curves.insertion,
    "road": road,
    "localisation": localisation,
}
"""The scores the callbacks can log, by name: the deletion and insertion curves,
ROAD (`road`), and "localisation", which needs regions and is logged whenever
regions are given."""

LOCALISATION = "localisation"


def settings(faithfulness, regions=False):
    """`{kind: params}` from a tuple of kind names or a dict `{kind: params}`; with
    `regions` (the images carry ground truth), "localisation" is added if absent."""
    if faithfulness is None:
        faithfulness = ()
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
    if LOCALISATION in chosen and not regions:
        raise ValueError(
            "faithfulness: 'localisation' scores masks against ground-truth regions; "
            "pass regions= (a regions.Regions with masks, label maps or boxes)"
        )
    if regions:
        chosen.setdefault(LOCALISATION, {})
    return chosen


def mask_scores(model, images, masks, classes, chosen, *, targets=None, regions=None):
    """`{mask name: {score name: array}}` for every mask in `masks`.

    Args:
      model: the model's adapter (`methods.adapter.ModelAdapter`).
      images: its inputs, in the framework's layout.
      masks: `{mask name: attributions (channels last) or masks [N, h, w]}`.
      classes: each image's explained class `[N]`.
      chosen: `{kind: params}` (see `settings`).
      targets: `{mask name: (target, output)}` for masks that explain another score.
      regions: bool `[N, H, W]`: each image's region of its explained class (for
        "localisation"); an image without one gets None for those scores.

    The random baseline does not depend on the mask: it is computed once per kind
    (and target) and stored with every mask.
    """
    targets = targets or {}
    out = {name: {} for name in masks}
    batches = {}
    for kind, params in chosen.items():
        if kind == LOCALISATION:
            _localisation(out, masks, regions, params)
            continue
        baselines = {}
        for name, mask in masks.items():
            target, output = targets.get(name, (None, None))
            key = (id(target), output)
            if key not in batches:
                batches[key] = model.prepare(
                    images, None if target is not None else classes, target, output
                )
            call = {**params, "random_baseline": key not in baselines}
            if kind == "road":
                scores = logged_scores(road_of(model, batches[key], mask, **call))
            else:
                scores = _curve_scores(
                    kind, curves.curves_of(model, batches[key], kind, mask, **call)
                )
            baselines.setdefault(key, {s: v for s, v in scores.items() if "_random_" in s})
            out[name].update({**scores, **baselines[key]})
    return out


def _curve_scores(kind, result):
    """The stored scores of one mask's deletion or insertion `Curves`."""
    scores = {f"{kind}_auc": result.auc, f"{kind}_curve": result.curves}
    if result.random_auc is not None:
        scores[f"{kind}_random_auc"] = result.random_auc
        scores[f"{kind}_random_curve"] = result.random_curves
    return scores


def _localisation(out, masks, regions, params):
    """Adds each mask's localisation scores (None where an image has no region)."""
    baseline = None
    for name, mask in masks.items():
        scores = localisation(mask, regions, **{**params, "random_baseline": baseline is None})
        if baseline is None:
            baseline = {s: v for s, v in scores.items() if s.endswith("_random")}
        for score, values in {**scores, **baseline}.items():
            out[name][score] = [None if np.isnan(v) else float(v) for v in values]
