"""Benchmark of the plugin's HTTP backend against TensorBoard's own images plugin.

Writes a log directory with saliency summaries and, beside them, `tf.summary.image`
summaries of the same images (same size and count), starts one real TensorBoard per
backend (`--load_fast=false`: Python multiplexer; `--load_fast=true`: RustBoard), and
prints, as ratios against `/data/plugin/images/individualImage` in the same process:

- the median latency of one image blob and of one mask blob (target <= 1.1),
- requests per second with 16 concurrent clients (target >= 0.9),

and the absolute median time of `/steps` for a tag with 1000 kept steps (<= 50 ms).

    python benchmarks/bench_backend.py [--steps 20] [--requests 300] [--seconds 3]
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
sys.path.insert(0, os.path.join(HERE, os.pardir))

from helpers.tb_process import fetch_json, tensorboard_process  # noqa: E402

from tensorboard_plugin_saliency.summary import SaliencyWriter  # noqa: E402

SIZE = 224
BATCH = 3
MASKS = ("gradient", "smoothgrad", "integrated_gradients")
LONG_STEPS = 1000
CLIENTS = 16
HEADERS = {"Accept-Encoding": "gzip"}


def batch(step):
    rng = np.random.default_rng(step)
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    base = np.stack([x, y, (x + y) / 2], axis=-1)
    images = np.clip(base[None] + 0.08 * rng.standard_normal((BATCH, SIZE, SIZE, 3)), 0, 1)
    images = (images * 255).round().astype(np.uint8)
    masks = {name: rng.standard_t(3, (BATCH, SIZE, SIZE, 3)).astype(np.float32) for name in MASKS}
    return images, masks


def write_logdir(logdir, steps):
    import tensorflow as tf

    images_writer = tf.summary.create_file_writer(os.path.join(logdir, "images"))
    with SaliencyWriter(os.path.join(logdir, "saliency")) as writer:
        for step in range(steps):
            images, masks = batch(step)
            writer.add("sal", images, masks, step, max_outputs=BATCH)
            with images_writer.as_default():
                tf.summary.image("img", images, step=step, max_outputs=BATCH)
        rng = np.random.default_rng(0)
        for step in range(LONG_STEPS):
            writer.add(
                "long",
                rng.integers(0, 256, (16, 16, 3), dtype=np.uint8),
                rng.standard_normal((16, 16)).astype(np.float32),
                step,
            )
    images_writer.close()


class Client:
    """One keep-alive HTTP connection."""

    def __init__(self, base_url):
        parsed = urllib.parse.urlparse(base_url)
        self._host, self._port = parsed.hostname, parsed.port
        self._conn = None

    def get(self, path):
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=30)
            try:
                self._conn.request("GET", path, headers=HEADERS)
                response = self._conn.getresponse()
                body = response.read()
                if response.will_close:
                    self._conn.close()
                    self._conn = None
                if response.status != 200:
                    raise RuntimeError("GET %s: %d %s" % (path, response.status, body[:200]))
                return body
            except (http.client.HTTPException, ConnectionError):
                self._conn.close()
                self._conn = None
                if attempt:
                    raise
        return None


def median_latencies(base_url, paths, requests):
    """`{path: median seconds}`, the paths requested in turn, one client."""
    client = Client(base_url)
    times = {path: [] for path in paths}
    for path in paths:  # warm up
        for _ in range(5):
            client.get(path)
    for _ in range(requests):
        for path in paths:
            start = time.perf_counter()
            client.get(path)
            times[path].append(time.perf_counter() - start)
    return {path: statistics.median(t) for path, t in times.items()}


def throughput(base_url, path, seconds):
    """Requests per second with `CLIENTS` concurrent keep-alive clients."""
    counts = [0] * CLIENTS
    stop = threading.Event()
    start_barrier = threading.Barrier(CLIENTS + 1)

    def work(i):
        client = Client(base_url)
        client.get(path)
        start_barrier.wait()
        while not stop.is_set():
            client.get(path)
            counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    start_barrier.wait()
    begin = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - begin)


def measure(logdir, load_fast, args):
    extra = ["--samples_per_plugin=saliency=0,images=1000", "--reload_interval=0"]
    with tensorboard_process(
        logdir, load_fast=load_fast, extra_args=extra, wait_for_runs=["saliency", "images"]
    ) as base_url:
        images = fetch_json(base_url + "/data/plugin/images/images?run=images&tag=img&sample=0")
        image_path = "/data/plugin/images/individualImage?" + images[-1]["query"]
        prefix = "/data/plugin/saliency/"
        sample = fetch_json(base_url + prefix + "sample?run=saliency&tag=sal&sample=0")
        saliency_image = prefix + sample["image"]["url"]
        saliency_mask = prefix + sample["masks"][0]["url"]
        steps_path = prefix + "steps?run=saliency&tag=long"
        assert len(fetch_json(base_url + steps_path)) == LONG_STEPS

        lat = median_latencies(base_url, [image_path, saliency_image, saliency_mask], args.requests)
        # Interleaved rounds, so that drift in the machine's load hits every URL alike.
        paths = (image_path, saliency_image, saliency_mask)
        rounds = 3
        rps = {path: 0.0 for path in paths}
        for _ in range(rounds):
            for path in paths:
                rps[path] += throughput(base_url, path, args.seconds / rounds) / rounds
        steps_times = []
        client = Client(base_url)
        for _ in range(args.steps_requests):
            start = time.perf_counter()
            client.get(steps_path)
            steps_times.append(time.perf_counter() - start)
        steps_median = statistics.median(steps_times)

    backend = "python" if load_fast == "false" else "rust"
    rows = [
        (
            "%s: image blob median latency / images plugin (%.2f / %.2f ms)"
            % (backend, lat[saliency_image] * 1e3, lat[image_path] * 1e3),
            lat[saliency_image] / lat[image_path],
            "<= 1.1",
            None,
        ),
        (
            "%s: mask blob median latency / images plugin (%.2f / %.2f ms)"
            % (backend, lat[saliency_mask] * 1e3, lat[image_path] * 1e3),
            lat[saliency_mask] / lat[image_path],
            "<= 1.1",
            None,
        ),
        (
            "%s: image blob req/s, 16 clients / images plugin (%.0f / %.0f)"
            % (backend, rps[saliency_image], rps[image_path]),
            rps[saliency_image] / rps[image_path],
            ">= 0.9",
            None,
        ),
        (
            "%s: mask blob req/s, 16 clients / images plugin (%.0f / %.0f)"
            % (backend, rps[saliency_mask], rps[image_path]),
            rps[saliency_mask] / rps[image_path],
            ">= 0.9",
            None,
        ),
        (
            "%s: /steps median, %d kept steps (ms)" % (backend, LONG_STEPS),
            steps_median * 1e3,
            "<= 50",
            None,
        ),
    ]
    return [(figure, value, target, _ok(value, target)) for figure, value, target, _ in rows]


def _ok(value, target):
    """Whether `value` meets `target` ("<= 1.1", ">= 0.9"; "info" always does)."""
    if target == "info":
        return True
    op, limit = target.split()
    return value <= float(limit) if op == "<=" else value >= float(limit)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--steps", type=int, default=20, help="steps of the 224x224 saliency and image tags"
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=300,
        help="sequential requests per URL for the latency figures",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=3.0,
        help="seconds of load per URL for the throughput figures",
    )
    parser.add_argument(
        "--steps-requests", type=int, default=40, help="requests of /steps for its median"
    )
    add_shared_args(parser)
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as logdir:
        start = time.time()
        write_logdir(logdir, args.steps)
        print(
            "wrote %s in %.1fs: %d steps of %d %dx%d images with %d masks, beside "
            "tf.summary.image of the same; a tag of %d steps"
            % (logdir, time.time() - start, args.steps, BATCH, SIZE, SIZE, len(MASKS), LONG_STEPS),
            file=sys.stderr,
        )
        for load_fast in args.backends.split(","):
            rows += measure(logdir, load_fast, args)

    return report(rows, args.json)


def add_shared_args(parser):
    """The options of the benchmarks that start TensorBoard: --backends and --json."""
    parser.add_argument(
        "--backends", default="false,true", help="--load_fast values to run, comma separated"
    )
    parser.add_argument("--json", help="also write the rows to this JSON file")


def report(rows, json_path=None):
    """Prints `rows` (figure, value, target, ok) as a Markdown table, also to
    `json_path` as JSON; returns the exit code: 1 when a target is missed."""
    width = max(len(r[0]) for r in rows)
    print("| %s | value | target | ok |" % "figure".ljust(width))
    print("|%s|------:|--------|----|" % ("-" * (width + 2)))
    for figure, value, target, ok in rows:
        shown = "" if target == "info" else "yes" if ok else "NO"
        print("| %s | %5.2f | %-6s | %s |" % (figure.ljust(width), value, target, shown))
    if json_path:
        with open(json_path, "w") as f:
            json.dump(
                [dict(zip(("figure", "value", "target", "ok"), r)) for r in rows], f, indent=1
            )
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
