"""The browser tests' tools: whether they can run here (Debian chromium, node and
playwright-core), and running one of the `tests/*.mjs` scripts against a real
`tensorboard`."""

import json
import os
import shutil
import subprocess

import pytest

from helpers.tb_process import tensorboard_process

# The `load_fast` values of a browser check whose Python-backend run is left to
# `make reliability` (marked slow) to keep `make test` within CI's time: RustBoard,
# TensorBoard's default, runs in both.
RUSTBOARD_IN_MAKE_TEST = [pytest.param("false", marks=pytest.mark.slow), "true"]

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


def require_browser():
    """Skips the test when the browser tools are missing; in CI, fails it."""
    missing = tools_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)


def run_page_script(script, spec, logdir, load_fast, tmp_path, timeout=240):
    """Runs `node tests/<script> --spec FILE --url URL` against a tensorboard on
    `logdir` (backend `load_fast`); fails the test with the script's output
    unless every check passed."""
    require_browser()
    path = tmp_path / ("spec-%s.json" % load_fast)
    path.write_text(json.dumps(spec))
    with tensorboard_process(logdir, load_fast=load_fast) as base_url:
        result = subprocess.run(
            ["node", os.path.join(ROOT, "tests", script), "--spec", str(path), "--url", base_url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "FAIL" not in result.stdout, output
