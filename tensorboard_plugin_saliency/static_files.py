"""Where the frontend files (ES modules, colormaps.json, render_options.json) live.

Installed, setup.py copies `frontend/` into the package as `static/`; in a
source checkout they are read from `frontend/` beside the package.
"""

import os

from tensorboard import errors

_HERE = os.path.dirname(os.path.abspath(__file__))

CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain",
    ".md": "text/markdown",
}
"""Content type of each file extension the plugin serves."""


def static_dir():
    """The directory holding the frontend files: the package's `static/` when it
    has `colormaps.json` (an installed package), else the checkout's
    `frontend/`. Raises FileNotFoundError when neither exists."""
    candidates = (
        os.path.join(_HERE, "static"),
        os.path.normpath(os.path.join(_HERE, os.pardir, "frontend")),
    )
    for path in candidates:
        if os.path.isfile(os.path.join(path, "colormaps.json")):
            return path
    raise FileNotFoundError(
        "frontend files not found; looked for colormaps.json in %s" % " and ".join(candidates)
    )


def lookup(relative):
    """`(absolute path, content type)` of the frontend file `relative`.

    Raises TensorBoard's `NotFoundError` if the path leaves the static directory,
    has an unknown extension, or does not exist.
    """
    bad = (
        not relative
        or "\\" in relative
        or "\x00" in relative
        or relative.startswith("/")
        or os.path.isabs(relative)
        or any(part in ("", ".", "..") for part in relative.split("/"))
    )
    content_type = CONTENT_TYPES.get(os.path.splitext(relative)[1].lower())
    if bad or content_type is None:
        raise errors.NotFoundError("no static file %r" % (relative,))
    root = os.path.realpath(static_dir())
    full = os.path.realpath(os.path.join(root, relative))
    if os.path.commonpath([root, full]) != root or not os.path.isfile(full):
        raise errors.NotFoundError("no static file %r" % (relative,))
    return full, content_type
