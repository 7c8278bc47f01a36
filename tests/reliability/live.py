"""Live training: a writer appends steps, new tags and new runs while TensorBoard
reloads every second (`--reload_interval=1`), on both backends.

Clients poll `/tags`, `/steps`, `/sample` (latest) and the blobs of that sample the
whole time, and `live_page.mjs` keeps TensorBoard's page open in headless Chromium,
asking the dashboard to reload every second (as TensorBoard's DataReloaded does).
Neither may see an error; at the end both must show every written step (fewer than
the 50 kept per tag by default, so every step is kept).
"""

import json
import os
import subprocess
import threading
import time
import urllib.parse

import numpy as np
from helpers import tb_process

from tensorboard_plugin_saliency.summary import SaliencyWriter
from tests.reliability import sites
from tests.reliability.common import HERE, ROOT, Result, tools_missing

P = sites.P
SCRIPT = os.path.join(HERE, "live_page.mjs")


def _batch(step, n=2, h=24, w=32):
    rng = np.random.default_rng(step)
    images = rng.integers(0, 256, size=(n, h, w, 3), dtype=np.uint8)
    return images, {"grad": rng.standard_normal((n, h, w)).astype(np.float32)}


def _write(logdir, plan, written, pause):
    """Writes `plan` ([(run, tag, step)]) one summary at a time, flushing each."""
    writers = {}
    try:
        for run, tag, step in plan:
            if run not in writers:
                writers[run] = SaliencyWriter(os.path.join(logdir, run))
            images, masks = _batch(step)
            writers[run].add(tag, images, masks, step, labels=["a", "b"])
            writers[run].flush()
            written.setdefault((run, tag), []).append(step)
            time.sleep(pause)
    finally:
        for w in writers.values():
            w.close()


def make_plan(steps):
    """run0/sal/a from step 1; run0/sal/b from a third; run1/sal/a from two thirds."""
    plan = []
    for step in range(1, steps + 1):
        plan.append(("run0", "sal/a", step))
        if step > steps // 3:
            plan.append(("run0", "sal/b", step))
        if step > 2 * steps // 3:
            plan.append(("run1", "sal/a", step))
    return plan


def _poll(base_url, stop, stats, lock):
    q = urllib.parse.urlencode
    while not stop.is_set():
        urls = []
        status, _, body = tb_process.fetch(base_url + P + "tags", timeout=30)
        urls.append(("tags", status, body))
        if status == 200:
            for run, tags in json.loads(body).items():
                for tag in tags:
                    s, _, b = tb_process.fetch(
                        base_url + P + "steps?" + q({"run": run, "tag": tag}), timeout=30
                    )
                    urls.append(("steps %s/%s" % (run, tag), s, b))
                    s, _, b = tb_process.fetch(
                        base_url + P + "sample?" + q({"run": run, "tag": tag}), timeout=30
                    )
                    urls.append(("sample %s/%s" % (run, tag), s, b))
                    if s == 200:
                        sample = json.loads(b)
                        for url in [sample["image"]["url"]] + [m["url"] for m in sample["masks"]]:
                            s2, _, b2 = tb_process.fetch(base_url + P + url, timeout=30)
                            urls.append(("blob", s2, b2))
        with lock:
            for name, s, b in urls:
                stats["requests"] += 1
                if s != 200:
                    stats["errors"].append("%s -> %s %r" % (name, s, b[:200]))


def _final_steps(base_url, written, timeout=30):
    """Waits until /steps lists every written step; returns the mismatches left."""
    q = urllib.parse.urlencode
    deadline = time.time() + timeout
    while True:
        missing = []
        for (run, tag), steps in written.items():
            status, _, body = tb_process.fetch(
                base_url + P + "steps?" + q({"run": run, "tag": tag})
            )
            got = [s["step"] for s in json.loads(body)] if status == 200 else status
            if got != steps:
                missing.append("%s/%s: served %s, written %s" % (run, tag, got, steps))
        if not missing or time.time() > deadline:
            return missing
        time.sleep(0.5)


def run(backend, workdir, steps=24, pause=0.2, pollers=4, browser=True):
    logdir = os.path.join(workdir, "live-%s" % backend)
    os.makedirs(logdir)
    written = {}
    # One step before TensorBoard starts, so that the tab is there from the start.
    _write(logdir, [("run0", "sal/a", 0)], written, 0)
    plan = make_plan(steps)
    stats = {"requests": 0, "errors": []}
    lock = threading.Lock()
    problems = []
    page = None
    start = time.perf_counter()
    with sites.process(logdir, backend, extra_args=["--reload_interval=1"]) as base_url:
        missing_tools = tools_missing() if browser else "not asked for"
        spec_path = os.path.join(workdir, "live-%s.json" % backend)
        if missing_tools is None:
            page = subprocess.Popen(
                ["node", SCRIPT, "--url", base_url, "--spec", spec_path],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            ready = time.time() + 60
            while (
                not os.path.exists(spec_path + ".ready")
                and page.poll() is None
                and time.time() < ready
            ):
                time.sleep(0.1)
        stop = threading.Event()
        threads = [
            threading.Thread(target=_poll, args=(base_url, stop, stats, lock), daemon=True)
            for _ in range(pollers)
        ]
        for t in threads:
            t.start()
        writer = threading.Thread(target=_write, args=(logdir, plan, written, pause))
        writer.start()
        writer.join()
        missing = _final_steps(base_url, written)
        stop.set()
        for t in threads:
            t.join()
        problems += missing
        problems += stats["errors"][:20]
        page_line = "browser skipped (%s)" % missing_tools if page is None else ""
        if page is not None:
            with open(spec_path + ".tmp", "w") as f:
                json.dump({"cards": {"%s / %s" % k: v for k, v in written.items()}}, f)
            os.replace(spec_path + ".tmp", spec_path)
            try:
                out, _ = page.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                page.kill()
                out, _ = page.communicate()
                problems.append("live_page.mjs timed out")
            summary = [line for line in out.splitlines() if line.startswith("RESULT ")]
            if page.returncode != 0 or not summary:
                problems.append("page: " + out[-3000:])
            page_line = summary[-1][len("RESULT ") :] if summary else "page failed"
    took = time.perf_counter() - start
    total = sum(len(v) for v in written.values())
    figures = "%d steps in %d run/tags written live; %d polled requests, %d errors; %s; %.0f s" % (
        total,
        len(written),
        stats["requests"],
        len(stats["errors"]),
        page_line,
        took,
    )
    return Result("live training (reload 1 s)", backend, figures, not problems, problems)
