"""The overlay options (colormap, opacity, sign, clip, clip_mode, threshold), checked once.

The options, their choices and ranges are listed in `frontend/render_options.json`,
the one list read by the dashboard, the `/render` route, the `tensorboard-saliency
render` command and `render.render_overlay`. `RenderOptions.parse` turns text (a
URL query or a command line) into typed values; `check` checks typed values.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os

from tensorboard_plugin_saliency import validate
from tensorboard_plugin_saliency.static_files import static_dir


@functools.cache
def specs():
    """`{option: spec}` from render_options.json, in its order. A spec has "kind"
    ("choice" or "number"), "choices" or "min"/"max"/"min_exclusive", "default"
    and "help"."""
    with open(os.path.join(static_dir(), "render_options.json"), encoding="utf-8") as f:
        return json.load(f)["options"]


def choices(option):
    """The allowed values of a choice option, e.g. `choices("sign")`."""
    return tuple(specs()[option]["choices"])


def check(option, value):
    """`value` checked against the spec of `option`; `ValueError` naming it."""
    spec = specs()[option]
    if spec["kind"] == "choice":
        return validate.choice(option, value, spec["choices"])
    what = "a percentage" if spec["max"] == 100 else "a number"
    return validate.number(
        option,
        value,
        spec["min"],
        spec["max"],
        low_exclusive=spec.get("min_exclusive", False),
        what=what,
    )


@dataclasses.dataclass(frozen=True)
class RenderOptions:
    """Overlay options; None means the renderer's default."""

    colormap: str | None = None
    opacity: float | None = None
    sign: str | None = None
    clip: float | None = None
    clip_mode: str | None = None
    threshold: float | None = None

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is not None:
                check(field.name, value)

    @classmethod
    def parse(cls, text_by_option, spell=str):
        """Options from text values (`{option: str or None}`); empty text is unset.

        `spell(option)` is the option's name in messages (e.g. its command-line flag).
        Raises `ValueError` naming the option and what it expects.
        """
        values = {}
        for option, spec in specs().items():
            text = text_by_option.get(option)
            if text is None or text == "":
                continue
            if spec["kind"] == "number":
                try:
                    value = float(text)
                except ValueError:
                    message = "%s: expected a number, got %r" % (spell(option), text)
                    raise ValueError(message) from None
            else:
                value = text
            try:
                values[option] = check(option, value)
            except ValueError as e:
                raise ValueError(spell(option) + str(e)[len(option) :]) from None
        return cls(**values)

    def kwargs(self):
        """The options that are set, as keyword arguments of `render.render_overlay`."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
