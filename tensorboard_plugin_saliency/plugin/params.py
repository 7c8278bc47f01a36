"""Request parameters: which each route knows, parsed and checked in one place.

An unknown or misspelt parameter is a 400 that names the known ones, so that
`/render?clipmode=mass` does not silently draw with the default.
"""

import re

from tensorboard_plugin_saliency import render_options
from tensorboard_plugin_saliency.plugin.errors import InvalidArgumentError, NotFoundError

_SAMPLE = ("run", "tag", "step", "sample")

ROUTE_PARAMS = {
    "tags": (),
    "steps": ("run", "tag"),
    "sample": _SAMPLE,
    "samples": ("run", "tag", "sample"),
    "table": ("run", "tag", "step"),
    "blob": ("key",),
    "render": _SAMPLE + ("mask",) + tuple(render_options.specs()),
    "static": (),
}
"""The query parameters each route reads."""

_INT_RE = re.compile(r"^[0-9]+$")


def check_known(args, route):
    """Raises `InvalidArgumentError` for a parameter `route` does not read."""
    known = ROUTE_PARAMS[route]
    unknown = sorted(set(args.keys()) - set(known))
    if unknown:
        raise InvalidArgumentError(
            "/%s: unknown parameter %s; known parameters: %s"
            % (route, ", ".join(map(repr, unknown)), ", ".join(known) or "none")
        )


def required(args, name):
    """The non-empty text of parameter `name`."""
    value = args.get(name)
    if value is None or value == "":
        raise InvalidArgumentError("missing parameter %r" % name)
    return value


def parse_index(value, name, default=None):
    """A non-negative integer parameter; `default` if `value` is None or empty."""
    if value is None or value == "":
        if default is None:
            raise InvalidArgumentError("missing parameter %r" % name)
        return default
    text = str(value).strip()
    if not _INT_RE.match(text.removeprefix("-")):
        raise InvalidArgumentError("%s: expected a non-negative integer, got %r" % (name, value))
    if text.startswith("-"):
        raise InvalidArgumentError("%s: expected a non-negative integer, got %s" % (name, text))
    if len(text.lstrip("0")) > 19:  # past int64 (int() even refuses 4300+ digits)
        raise NotFoundError(
            "%s: no %s %s... (%d digits): steps and samples are 64-bit integers"
            % (name, name, text[:20], len(text))
        )
    return int(text)


def sample_args(args):
    """`(run, tag, step or None, sample)` of a `/sample` or `/render` request."""
    step = args.get("step")
    return (
        required(args, "run"),
        required(args, "tag"),
        None if step in (None, "") else parse_index(step, "step"),
        parse_index(args.get("sample"), "sample", default=0),
    )


def overlay_options(args):
    """The `RenderOptions` of a `/render` request."""
    try:
        return render_options.RenderOptions.parse(args)
    except ValueError as e:
        raise InvalidArgumentError(str(e)) from None
