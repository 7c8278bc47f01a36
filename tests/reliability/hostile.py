"""Hostile names: runs, tags, labels, descriptions, mask names and method params
holding HTML, JavaScript, quotes, very long strings and unicode.

`hostile_page.mjs` opens the Saliency tab in headless Chromium and checks that each
name shows as text, that no dialog opens, that no injected element exists, that
`window.__pwned` stays unset, and that every request the page makes goes to the
TensorBoard origin (or `data:`/`blob:`): all requests are recorded.
"""

import json
import os
import subprocess
import time

import numpy as np

from tensorboard_plugin_saliency.summary import SaliencyWriter
from tests.reliability import sites
from tests.reliability.common import HERE, ROOT, Result, tools_missing

SCRIPT = os.path.join(HERE, "hostile_page.mjs")
PAYLOADS = [
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "<script>window.__pwned=2;alert(2)</script>",
    "\"'><svg onload=alert(3)>",
    "javascript:alert(4)",
    "{{constructor.constructor('alert(5)')()}}",
    '</textarea><iframe src="http://evil.invalid/"></iframe>',
    "ü★𝄞 \u202eRTL\u202c 中文 é\u0301 🧪",
    "a\"b'c`d&amp;e<f>",
]
LONG = "L" * 200 + "<b>long</b>" + "ñ" * 700  # tags may hold up to 1024 characters


def write_hostile_logdir(logdir):
    """Writes one run per payload; returns the cards the page must show."""
    cards = []
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(1, 16, 16, 3), dtype=np.uint8)
    for payload in PAYLOADS + [LONG]:
        # A run name is a directory: keep path components under 255 bytes and
        # without "/" ("/" would make nested runs).
        run = (payload if payload is not LONG else "L" * 100 + "<i>" + "ñ" * 60).replace("/", "∕")
        tag = payload
        mask_name = "m " + payload
        label = "label " + payload
        with SaliencyWriter(os.path.join(logdir, run)) as writer:
            writer.add(
                tag,
                images,
                {mask_name: rng.standard_normal((1, 16, 16)).astype(np.float32)},
                0,
                labels=[label],
                description="desc " + payload,
                method_params={mask_name: {"note": payload}},
            )
        cards.append({"run": run, "tag": tag, "label": label, "mask": mask_name})
    return cards


def run(workdir, backend):
    missing = tools_missing()
    if missing:
        return Result(
            "hostile names in Chromium",
            backend,
            "skipped: %s" % missing,
            not os.environ.get("CI"),
            [missing],
        )
    logdir = os.path.join(workdir, "hostile-%s" % backend)
    os.makedirs(logdir)
    cards = write_hostile_logdir(logdir)
    skipped = 0
    if backend == "rust":
        # RustBoard (tensorboard-data-server 0.7) lists a run or tag whose name holds
        # a double quote but cannot read its blobs back (its blob keys break): the
        # plugin lists such tags with an error (tests/test_frontend_e2e.py checks that
        # card); here the page must show the rest.
        kept = [c for c in cards if '"' not in c["run"] + c["tag"]]
        skipped = len(cards) - len(kept)
        cards = kept
    spec = os.path.join(workdir, "hostile-%s.json" % backend)
    with open(spec, "w") as f:
        json.dump({"cards": cards}, f)
    start = time.perf_counter()
    with sites.process(logdir, backend) as base_url:
        proc = subprocess.run(
            ["node", SCRIPT, "--url", base_url, "--spec", spec],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=240,
        )
    out = proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    problems = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    if proc.returncode != 0 and not problems:
        problems.append(out[-3000:])
    figures = "%s%s; %.0f s" % (
        lines[-1][7:] if lines else "no result",
        "; %d names with '\"' shown as error cards (RustBoard)" % skipped if skipped else "",
        time.perf_counter() - start,
    )
    return Result(
        "hostile names in Chromium",
        backend,
        figures,
        proc.returncode == 0 and bool(lines),
        problems,
    )
