"""Benchmark of a whole validation set in one step: a step of 50,000 images written in
10 parts, in a real TensorBoard on each backend.

Writes one step of `--images` (50,000) images at 64x64 with 2 masks and typed fields
(true and predicted class, confidence, loss) in `--parts` (10) parts, and a baseline
log directory whose step holds 10 images (one part). Then `--steps` (10) such steps in
`--runs` (3) runs: each step's part records are written as the writer writes them,
their asset files hard links to the first step's (TensorBoard never reads pixels until
asked, so its memory does not depend on them). For each backend it starts one
TensorBoard per log directory and prints:

- the resident memory (the process tree, RustBoard's data server included) the big
  step adds, once listed, over the baseline's: MiB against the target 2 MiB (ratio
  <= 1), and the same for every step of the 3 runs (the target: 2 MiB a step);
- the `/table` answer of the big step (50,000 rows of ids, captions, fields, scores),
  its latency against `/steps` of the same tag, and its size in bytes per image;
- `/sample` of image 40,000 against image 0, each answered once uncached.

The page's figures (first paint, sort and filter, a scroll to row 40,000) are
`benchmarks/bench_table.mjs`'s.

    python benchmarks/bench_parts.py [--images 50000] [--parts 10] [--runs 3] [--steps 10]
"""

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
sys.path.insert(0, os.path.join(HERE, os.pardir))

from bench_backend import add_shared_args, report  # noqa: E402
from bench_scale import serve, settled_rss  # noqa: E402
from helpers.tb_process import fetch  # noqa: E402

from tensorboard_plugin_saliency import storage  # noqa: E402
from tensorboard_plugin_saliency.format import parts  # noqa: E402
from tensorboard_plugin_saliency.summary import SaliencyWriter  # noqa: E402

SIZE = 64
TAG = "val"
CLASSES = [str(i) for i in range(10)]
SALIENCY = "/data/plugin/saliency/"
MIB = 1 << 20


def batch(n, seed):
    """`n` smooth images and masks (upsampled noise: as compressible as photographs)
    and their fields."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((n, SIZE // 8, SIZE // 8, 3), np.float32)
    images = np.kron(coarse, np.ones((1, 8, 8, 1), np.float32))
    masks = {
        "integrated_gradients": np.kron(
            rng.standard_normal((n, SIZE // 8, SIZE // 8)).astype(np.float32),
            np.ones((1, 8, 8), np.float32),
        ),
        "grad_cam": rng.random((n, 8, 8), np.float32),
    }
    true = rng.integers(0, 10, n)
    predicted = np.where(rng.random(n) < 0.8, true, rng.integers(0, 10, n))
    fields = {
        "true": true,
        "predicted": predicted,
        "confidence": rng.random(n),
        "loss": rng.random(n) * 3,
    }
    scores = {"grad_cam": {"deletion_auc": rng.random(n)}}
    return images, masks, fields, scores


def write_step(run_directory, step, images, parts_count, seed=0):
    """Writes one step of `images` images in `parts_count` parts; returns seconds."""
    start = time.perf_counter()
    per_part = -(-images // parts_count)
    with SaliencyWriter(run_directory) as writer:
        for number in range(parts_count):
            n = min(per_part, images - number * per_part)
            pixels, masks, fields, scores = batch(n, seed + number)
            writer.add(
                TAG,
                pixels,
                masks,
                step,
                part="part%02d" % number,
                parts=parts_count,
                fields=fields,
                class_names=CLASSES,
                scores=scores,
            )
    return time.perf_counter() - start


def copy_step(run_directory, source, step):
    """Step `step` of `run_directory` holding `source`'s parts: their records, as the
    writer writes them, naming hard links of their asset files; and its event."""
    location = storage.location(run_directory)
    source_location = storage.location(source)
    where = parts.directory(TAG, 1)
    manifest = None
    for name in parts.newest(source_location.list_names(where)):
        manifest = parts.read(source_location, where, name)
        path = manifest.asset.path.replace("/1-", "/%d-" % step)
        target = location.join(*path.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            os.link(source_location.join(*manifest.asset.path.split("/")), target)
        copied = dataclasses.replace(manifest, asset=dataclasses.replace(manifest.asset, path=path))
        parts.write(location, copied, TAG, step)
    with SaliencyWriter(run_directory) as writer:
        writer._add_summary(  # the record every writer of a part writes
            _record(parts.step_manifest(manifest, TAG, step)), step, time.time()
        )


def _record(step_manifest):
    from tensorboard_plugin_saliency.summary import _summary

    return _summary(TAG, [step_manifest.to_json()], None)


def latency(base_url, path, repeats=5):
    """Median seconds of `repeats` answers of `path` (each checked to be a 200)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        status, _, body = fetch(base_url + path, timeout=120)
        times.append(time.perf_counter() - start)
        assert status == 200, (path, status, body[:200])
    return statistics.median(times), len(body)


def measure(load_fast, dirs, args, rows):
    name = "RustBoard" if load_fast == "true" else "Python"
    rss = {}
    for kind, (logdir, runs) in dirs.items():
        manager, base_url, pid, _ = serve(logdir, load_fast, [], runs, SALIENCY)
        try:
            rss[kind] = settled_rss(pid)
            if kind == "big":
                query = "?run=big&tag=%s" % TAG
                table_s, size = latency(base_url, SALIENCY + "table" + query)
                steps_s, _ = latency(base_url, SALIENCY + "steps" + query)
                table = json.loads(fetch(base_url + SALIENCY + "table" + query, timeout=120)[2])
                assert table["samples"] == args.images, table["samples"]
                far = "&sample=%d" % (args.images * 4 // 5)
                far_s, _ = latency(base_url, SALIENCY + "sample" + query + far, 1)
                near_s, _ = latency(base_url, SALIENCY + "sample" + query + "&sample=1", 1)
        finally:
            manager.__exit__(None, None, None)
    added = (rss["big"] - rss["baseline"]) / MIB
    rows.append(
        (
            "%s: MiB the %d-image step adds, over a 10-image step's / 2 MiB" % (name, args.images),
            added / 2,
            "<= 1.0",
            added <= 2,
        )
    )
    steps = args.runs * args.steps
    per_step = (rss["runs"] - rss["baseline"]) / MIB / steps
    rows.append(
        (
            "%s: MiB per step of %d runs x %d steps, over a 10-image step's / 2 MiB"
            % (name, args.runs, args.steps),
            per_step / 2,
            "<= 1.0",
            per_step <= 2,
        )
    )
    rows.append(
        (
            "%s: /table of %d images, seconds / /steps' seconds" % (name, args.images),
            table_s / steps_s,
            "info",
            True,
        )
    )
    rows.append(("%s: /table seconds" % name, table_s, "info", True))
    rows.append(("%s: /table bytes per image" % name, size / args.images, "info", True))
    rows.append(
        (
            "%s: /sample of image %d / of image 1 (uncached)" % (name, args.images * 4 // 5),
            far_s / near_s,
            "<= 3.0",
            far_s <= 3 * near_s,
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50_000)
    parser.add_argument("--parts", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    add_shared_args(parser)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-parts-") as root:
        big = os.path.join(root, "big")
        seconds = write_step(os.path.join(big, "big"), 1, args.images, args.parts)
        rows.append(
            (
                "images written per second (%d parts)" % args.parts,
                args.images / seconds,
                "info",
                True,
            )
        )
        baseline = os.path.join(root, "baseline")
        write_step(os.path.join(baseline, "big"), 1, 10, 1)
        runs = os.path.join(root, "runs")
        names = ["run%d" % r for r in range(args.runs)]
        for run in names:
            for step in range(1, args.steps + 1):
                copy_step(os.path.join(runs, run), os.path.join(big, "big"), step)
        dirs = {"baseline": (baseline, ["big"]), "big": (big, ["big"]), "runs": (runs, names)}
        for load_fast in args.backends.split(","):
            measure(load_fast, dirs, args, rows)
    print(
        "%d images at %dx%d, 2 masks, 4 fields and a score each, in %d parts"
        % (args.images, SIZE, SIZE, args.parts)
    )
    return report(rows, args.json)


if __name__ == "__main__":
    sys.exit(main())
