"""Scores of a mask: numbers per image that say how far to trust it.

A saliency summary may carry, per mask, named scores with one value per image: a
number (a deletion AUC; None for an image that has none, as a localisation score of
an image without a region) or a curve, a list of numbers (the deletion curve). The
callback writes the faithfulness scores named below; `SaliencyWriter.add(scores=)`
takes any others, computed by anything (Quantus, Captum's `infidelity`).
"""

import json
import math
import os
from collections.abc import Mapping

import numpy as np

from tensorboard_plugin_saliency.static_files import static_dir

MAX_NAME_LENGTH = 100
"""Longest score name, in characters."""

MAX_CURVE_POINTS = 1000
"""Most points of one curve."""


def _known():
    with open(os.path.join(static_dir(), "scores.json"), encoding="utf-8") as f:
        return tuple(json.load(f)["scores"])


KNOWN = _known()
"""The scores known by name, from `frontend/scores.json` (the list the dashboard
reads too), in the order the dashboard shows them: deletion and insertion, the
localisation scores, ROAD. Each a dict: `name` (the score's name), `line` (the name
of the line of the card it shares with others, e.g. "ROAD", or None), `label`,
`short` (its name in a grid cell), `direction` ("higher" or "lower" is better),
`random` (its random-map baseline's name, or None), `curve` and `random_curve` (its
curves' names, or None), `group` ("faithfulness" or "localisation") and `meaning`
(one line)."""

DIRECTIONS = {
    name: known["direction"]
    for known in KNOWN
    for name in (known["name"], known["random"])
    if name is not None
}
"""Which way is better ("higher" or "lower") for each known score and its random
baseline, by name: `DIRECTIONS["pointing_game"] == "higher"`."""

GROUPS = {
    name: known["group"]
    for known in KNOWN
    for name in (known["name"], known["random"])
    if name is not None
}
"""The group ("faithfulness" or "localisation") of each known number score and its
random baseline, by name: the callbacks write their batch means as the scalars
`<tag>/<group>/<mask>/<score>`."""


def prepare_scores(scores, mask_names, n):
    """`scores` as `{mask name: {score name: list}}`, every list one value per image.

    Args:
      scores: None, or `{mask name: {score name: values}}`; values hold one entry per
        image, each a finite number or a curve (a list of finite numbers).
      mask_names: the summary's mask names.
      n: the number of images.

    Raises:
      TypeError, ValueError: naming the entry that is not what is expected.
    """
    if scores is None:
        return {}
    if not isinstance(scores, Mapping):
        raise TypeError(
            "scores: expected a dict {mask name: {score name: values}}, got %s"
            % type(scores).__name__
        )
    prepared = {}
    for mask, named in scores.items():
        if mask not in mask_names:
            raise ValueError(
                "scores: %r is not a mask name; the masks are %s"
                % (mask, ", ".join(map(repr, mask_names)))
            )
        if not isinstance(named, Mapping):
            raise TypeError(
                "scores[%r]: expected a dict {score name: values}, got %s"
                % (mask, type(named).__name__)
            )
        prepared[mask] = {
            _name(mask, name): _values(mask, name, values, n) for name, values in named.items()
        }
    return {mask: named for mask, named in prepared.items() if named}


def _name(mask, name):
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH:
        raise ValueError(
            "scores[%r]: expected score names of 1 to %d characters, got %r"
            % (mask, MAX_NAME_LENGTH, name)
        )
    return name


def _values(mask, name, values, n):
    where = "scores[%r][%r]" % (mask, name)
    listed = list(values) if isinstance(values, (list, tuple)) else None
    missing = [i for i, v in enumerate(listed or ()) if v is None]
    if missing:  # numbers, None where an image has none
        values = [0.0 if v is None else v for v in listed]
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            "%s: expected one number or one curve (a list of numbers) per image" % where
        ) from None
    if array.ndim not in (1, 2) or array.shape[0] != n:
        raise ValueError(
            "%s: expected %d values (one per image), each a number or a curve; got shape %s"
            % (where, n, array.shape)
        )
    if missing and array.ndim != 1:
        raise ValueError("%s: a curve cannot be None; leave the score out instead" % where)
    if array.ndim == 2 and not 2 <= array.shape[1] <= MAX_CURVE_POINTS:
        raise ValueError(
            "%s: expected curves of 2 to %d points, got %d"
            % (where, MAX_CURVE_POINTS, array.shape[1])
        )
    if not np.all(np.isfinite(array)):
        raise ValueError("%s: expected finite numbers, got %s" % (where, _first_bad(array)))
    out = array.tolist()
    for i in missing:
        out[i] = None
    return out


def _first_bad(array):
    index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
    return "%s at %s" % (array[index], list(index))


def cut(scores, kept):
    """`scores` with only the values of the first `kept` images."""
    return {
        mask: {name: values[:kept] for name, values in named.items()}
        for mask, named in scores.items()
    }


def is_curve(values):
    """Whether a score's values (one per image; None where an image of a step
    written in parts has none) are curves rather than numbers."""
    return isinstance(next((v for v in values if v is not None), None), list)


def split_curves(scores):
    """`(numbers, curves)`: `scores` split into the scores whose values are numbers
    and those whose values are curves, each `{mask: {score name: list}}`."""
    numbers, curves = {}, {}
    for mask, named in scores.items():
        for name, values in named.items():
            (curves if is_curve(values) else numbers).setdefault(mask, {})[name] = values
    return numbers, curves


def numbers_only(scores):
    """`scores` without the scores that are curves."""
    return split_curves(scores)[0]


def join(numbers, curves, mask_names):
    """The scores of `split_curves` together again, masks in `mask_names` order."""
    joined = {}
    for mask in mask_names:
        named = {**numbers.get(mask, {}), **curves.get(mask, {})}
        if named:
            joined[mask] = named
    return joined


def of_sample(scores, sample):
    """`{mask: {score name: value}}`: each score's value for image `sample`."""
    return {
        mask: {name: values[sample] for name, values in named.items()}
        for mask, named in scores.items()
    }


def means(scores):
    """`{mask: {score name: mean over the images}}`, for the scores that are numbers."""
    out = {}
    for mask, named in scores.items():
        numbers = {}
        for name, values in named.items():
            present = [v for v in values if v is not None]
            if present and not is_curve(present):
                numbers[name] = math.fsum(present) / len(present)
        if numbers:
            out[mask] = numbers
    return out
