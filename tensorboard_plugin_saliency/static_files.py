"""Where the frontend files (ES modules, colormaps.json) live.

Installed, setup.py copies `frontend/` into the package as `static/`; in a
source checkout they are read from `frontend/` beside the package.
"""

import os

_HERE = os.path.dirname(os.path.abspath(__file__))


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
        "frontend files not found; looked for colormaps.json in %s"
        % " and ".join(candidates))
