"""Whether the browser tests can run here: Debian chromium, node and playwright-core."""

import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMIUM = "/usr/bin/chromium"


def tools_missing():
    """Why the browser checks cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return "Debian chromium is not installed at %s" % CHROMIUM
    if shutil.which("node") is None:
        return "node is not installed"
    if not os.path.isdir(os.path.join(ROOT, "node_modules", "playwright-core")):
        return "npm playwright-core is not installed (run `npm ci`)"
    return None
