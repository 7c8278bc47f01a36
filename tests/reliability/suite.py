"""Runs every reliability check with a budget; used by report.py (and by hand)."""

import logging
import tempfile
import time

from tests.reliability import damaged, hostile, http_fuzz, large, live, load, sites, writer_fuzz
from tests.reliability.common import BACKENDS

# report.py budgets; the pytest modules use smaller ones.
FULL = {
    "writer_cases": 1000,
    "wsgi_requests": 1500,
    "process_requests": 500,
    "load_seconds": 10.0,
    "live_steps": 30,
}


def run_all(budget=FULL, progress=print):
    logging.getLogger("tensorboard_plugin_saliency").setLevel(logging.ERROR)
    results = []

    def add(rows):
        rows = rows if isinstance(rows, list) else [rows]
        for r in rows:
            progress("%-4s %s [%s] %s" % ("ok" if r.ok else "FAIL", r.check, r.backend, r.figures))
        results.extend(rows)

    start = time.perf_counter()
    add(writer_fuzz.run(budget["writer_cases"], seed=int(time.time())))
    with tempfile.TemporaryDirectory() as workdir:
        fuzz_logdir = workdir + "/fuzz"
        sites.write_fuzz_logdir(fuzz_logdir)
        for backend in BACKENDS:
            add(http_fuzz.run_wsgi(fuzz_logdir, backend, budget["wsgi_requests"]))
            with sites.process(fuzz_logdir, backend) as base_url:
                add(http_fuzz.run_process(base_url, backend, budget["process_requests"]))
                add(load.run(base_url, backend, budget["load_seconds"]))
        for backend in BACKENDS:
            add(live.run(backend, workdir, steps=budget["live_steps"]))
        for backend in BACKENDS:
            add(damaged.run(workdir, backend))
        for backend in BACKENDS:
            add(hostile.run(workdir, backend))
        for case in large.LIMITS:
            add(large.run_case(case, "%s/large-%s" % (workdir, case)))
    total = sum(
        int(r.figures.split(" requests")[0].split()[-1])
        for r in results
        if r.check.startswith("HTTP fuzzing")
    )
    progress(
        "HTTP fuzzing: %d requests in all; suite took %.0f s" % (total, time.perf_counter() - start)
    )
    return results
