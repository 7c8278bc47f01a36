"""Benchmark of a sweep and a long run in TensorBoard: memory, loading, reachability.

Writes a sweep of 6 runs x 60 steps of 16 validation images at 128x128 with 4 masks
three ways: `SaliencyWriter(logdir)` (asset files, format 3), the same with
`assets=False` (pixels inline in the event file, as before format 3) and the same
images through `tf.summary.image(max_outputs=16)`; and one run with a tag of 1000
steps. For each backend (`--load_fast=false`: Python multiplexer; `--load_fast=true`:
RustBoard) it starts one real TensorBoard per log directory, with the flags a user
starts it with, and prints as ratios against the images plugin in the same kind of
process:

- the resident memory each run adds (the whole process tree: RustBoard's data server
  included), once every run is listed (target <= 1.0) and after each run's latest
  step has been opened as a grid (its step list, its filmstrip's answer and every
  image and mask of the step);
- the time from starting TensorBoard until every run is listed (target <= 1.2);
- the median latency of a mask not read from its asset file yet, against the same
  mask again, from the plugin's cache (target <= 3), over keep-alive connections;
- of the 1000-step tag, how many steps `/steps` lists and how many answer `/sample`
  and both of their blobs with 200 (target: all).

    python benchmarks/bench_scale.py [--runs 6] [--steps 60] [--long-steps 1000]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
sys.path.insert(0, os.path.join(HERE, os.pardir))

from bench_backend import Client, _ok, add_shared_args, report  # noqa: E402
from helpers.tb_process import fetch, fetch_json, tensorboard_process  # noqa: E402

from tensorboard_plugin_saliency.summary import SaliencyWriter  # noqa: E402

SIZE = 128
BATCH = 16
MASKS = ("gradients", "smoothgrad", "integrated_gradients", "grad_cam")
TAG = "saliency/val"
IMAGE_TAG = "val"
LONG_TAG = "saliency/long"
SALIENCY = "/data/plugin/saliency/"
IMAGES = "/data/plugin/images/"
OLD_SAMPLES_PER_TAG = 50
"""Steps per tag the plugin kept before format 3 (its default then)."""


# -- the logs ------------------------------------------------------------------------


def validation_batch(run, step):
    """`(images uint8 [16, 128, 128, 3], {mask name: float32 [16, 128, 128]})`: smooth
    scenes with a bright object and sensor noise, and masks that peak on the object."""
    rng = np.random.default_rng(1000 * run + step)
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    centres = rng.uniform(0.25, 0.75, (BATCH, 2, 1, 1)).astype(np.float32)
    distance = (x - centres[:, 0]) ** 2 + (y - centres[:, 1]) ** 2
    blob = np.exp(-distance / 0.01)
    background = np.stack([x, y, (x + y) / 2], axis=-1)[None] * rng.uniform(
        0.3, 0.8, (BATCH, 1, 1, 3)
    )
    images = background + 0.6 * blob[..., None] + 0.04 * rng.standard_normal((BATCH, SIZE, SIZE, 3))
    images = (np.clip(images, 0, 1) * 255).round().astype(np.uint8)
    masks = {}
    for i, name in enumerate(MASKS):
        noise = rng.standard_normal((BATCH, SIZE, SIZE)).astype(np.float32)
        masks[name] = (blob * (1 + i) + (0.3 if name != "grad_cam" else 0.02) * noise).astype(
            np.float32
        )
    return images, masks


def write_sweep(logdir, runs, steps, assets):
    for run in range(runs):
        with SaliencyWriter(os.path.join(logdir, "run%d" % run), assets=assets) as writer:
            for step in range(steps):
                images, masks = validation_batch(run, step)
                writer.add(TAG, images, masks, step)


def write_image_sweep(logdir, runs, steps):
    import tensorflow as tf

    for run in range(runs):
        writer = tf.summary.create_file_writer(os.path.join(logdir, "run%d" % run))
        with writer.as_default():
            for step in range(steps):
                images, _ = validation_batch(run, step)
                tf.summary.image(IMAGE_TAG, images, step=step, max_outputs=BATCH)
        writer.close()


def write_long_run(logdir, steps):
    rng = np.random.default_rng(0)
    with SaliencyWriter(os.path.join(logdir, "long")) as writer:
        for step in range(steps):
            images = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
            masks = {
                name: rng.standard_normal((4, 32, 32)).astype(np.float32) for name in MASKS[:2]
            }
            writer.add(LONG_TAG, images, masks, step)


def disk_usage(directory, pattern):
    """`(bytes in files, bytes the file system allocates, files)` below `directory` whose
    names end with `pattern`."""
    size = blocks = count = 0
    for root, _, names in os.walk(directory):
        for name in names:
            if name.endswith(pattern):
                stat = os.stat(os.path.join(root, name))
                size += stat.st_size
                blocks += stat.st_blocks * 512
                count += 1
    return size, blocks, count


# -- the processes -------------------------------------------------------------------


def _children():
    """`{pid: [child pids]}` of every process."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def tree_rss(pid):
    """Resident bytes of process `pid` and all its descendants."""
    children = _children()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            with open("/proc/%d/status" % current) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def settled_rss(pid, seconds=2.0):
    """Resident bytes of the tree once a second's samples stop growing."""
    samples = [tree_rss(pid)]
    deadline = time.time() + 20
    while time.time() < deadline:
        time.sleep(seconds / 4)
        samples.append(tree_rss(pid))
        recent = samples[-4:]
        if len(samples) >= 5 and max(recent) - min(recent) < 1 << 20:
            break
    return statistics.median(samples[-4:])


def server_pid(base_url):
    """The pid of the process listening on `base_url`'s port."""
    port = urllib.parse.urlparse(base_url).port
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                    inodes.add(fields[9])
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            for fd in os.listdir("/proc/%s/fd" % entry):
                link = os.readlink("/proc/%s/fd/%s" % (entry, fd))
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(entry)
        except OSError:
            continue
    raise RuntimeError("no process listens on %s" % base_url)


def listed_runs(base_url, plugin):
    status, _, body = fetch(base_url + plugin + "tags", timeout=30)
    return set(json.loads(body)) if status == 200 else set()


def serve(logdir, load_fast, flags, runs, plugin):
    """Starts TensorBoard; yields `(base_url, pid, seconds until every run in `runs`
    is listed by `plugin`'s /tags)`."""
    start = time.perf_counter()
    manager = tensorboard_process(
        logdir, load_fast=load_fast, extra_args=flags, wait_for_runs=[], settle_s=0, timeout=180
    )
    base_url = manager.__enter__()
    try:
        while not set(runs) <= listed_runs(base_url, plugin):
            if time.perf_counter() - start > 180:
                raise RuntimeError("%s did not list %s in 180 s" % (plugin, sorted(runs)))
            time.sleep(0.05)
        return manager, base_url, server_pid(base_url), time.perf_counter() - start
    except BaseException:
        manager.__exit__(*sys.exc_info())
        raise


def open_saliency_card(base_url, run):
    """What the page reads to open a run's grid: steps, filmstrip, latest step's blobs."""
    query = "run=%s&tag=%s" % (run, urllib.parse.quote(TAG))
    fetch_json(base_url + SALIENCY + "steps?" + query)
    fetch_json(base_url + SALIENCY + "samples?" + query, timeout=60)
    for sample in range(BATCH):
        answer = fetch_json(base_url + SALIENCY + "sample?%s&sample=%d" % (query, sample))
        for url in [answer["image"]["url"]] + [m["url"] for m in answer["masks"]]:
            status, _, _ = fetch(base_url + SALIENCY + url)
            assert status == 200, url


def open_images_card(base_url, run):
    query = "run=%s&tag=%s" % (run, IMAGE_TAG)
    for sample in range(BATCH):
        for entry in fetch_json(base_url + IMAGES + "images?%s&sample=%d" % (query, sample)):
            status, _, _ = fetch(base_url + IMAGES + "individualImage?" + entry["query"])
            assert status == 200


def blob_latencies(base_url, run):
    """`(uncached, cached)` median seconds of a mask blob at each step: its first
    read from the asset file through the plugin, then the same blob again."""
    query = "run=%s&tag=%s&sample=1" % (run, urllib.parse.quote(TAG))
    entries = fetch_json(base_url + SALIENCY + "samples?" + query, timeout=60)
    client = Client(base_url)
    uncached, cached = [], []
    for entry in entries:
        path = SALIENCY + entry["masks"][2]["url"]
        for times in (uncached, cached):
            start = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - start)
    return statistics.median(uncached), statistics.median(cached)


LONG_QUERY = "run=long&tag=%s" % urllib.parse.quote(LONG_TAG)


def list_steps(base_url):
    """`(the long tag's /steps answer, seconds it took)`: its first, uncached."""
    start = time.perf_counter()
    steps = fetch_json(base_url + SALIENCY + "steps?" + LONG_QUERY, timeout=120)
    return steps, time.perf_counter() - start


def reach_every_step(base_url, steps):
    """How many of `steps` answer `/sample`, its image and a mask blob with 200."""
    query = LONG_QUERY
    reachable = 0
    for entry in steps:
        status, _, body = fetch(base_url + SALIENCY + "sample?%s&step=%d" % (query, entry["step"]))
        if status != 200:
            continue
        answer = json.loads(body)
        urls = [answer["image"]["url"], answer["masks"][-1]["url"]]
        if answer["step"] == entry["step"] and all(
            fetch(base_url + SALIENCY + url)[0] == 200 for url in urls
        ):
            reachable += 1
    return reachable


# -- one backend ---------------------------------------------------------------------


def measure(dirs, load_fast, args):
    backend = "python" if load_fast == "false" else "rust"
    runs = ["run%d" % i for i in range(args.runs)]
    mib = 1 << 20
    found = {}

    def sweep(kind, logdir, flags, plugin, open_card):
        manager, base_url, pid, listed = serve(logdir, load_fast, flags, runs, plugin)
        try:
            rss_listed = settled_rss(pid)
            for run in runs:
                open_card(base_url, run)
            rss_opened = settled_rss(pid)
            extra = blob_latencies(base_url, runs[0]) if kind == "saliency" else None
        finally:
            manager.__exit__(None, None, None)
        found[kind] = dict(listed=listed, rss_listed=rss_listed, rss_opened=rss_opened, extra=extra)
        print(
            "%s %s: listed in %.1f s, %.0f MiB listed, %.0f MiB with a grid per run open"
            % (backend, kind, listed, rss_listed / mib, rss_opened / mib),
            file=sys.stderr,
        )

    manager, base_url, pid, _ = serve(dirs["empty"], load_fast, [], [], SALIENCY)
    try:
        listed_runs(base_url, IMAGES)
        empty_rss = settled_rss(pid)
    finally:
        manager.__exit__(None, None, None)
    sweep("images", dirs["images"], [], IMAGES, open_images_card)
    sweep("saliency", dirs["saliency"], [], SALIENCY, open_saliency_card)
    old_flags = ["--samples_per_plugin=saliency=%d" % OLD_SAMPLES_PER_TAG]
    sweep("inline", dirs["inline"], old_flags, SALIENCY, open_saliency_card)

    manager, base_url, pid, _ = serve(dirs["long"], load_fast, [], ["long"], SALIENCY)
    try:
        steps, first_steps = list_steps(base_url)
        long_rss_listed = settled_rss(pid)
        reachable = reach_every_step(base_url, steps)
        long_rss = settled_rss(pid)
        listed = len(steps)
    finally:
        manager.__exit__(None, None, None)

    def per_run(kind, key):
        return (found[kind][key] - empty_rss) / args.runs

    images_listed = per_run("images", "rss_listed")
    images_opened = per_run("images", "rss_opened")
    uncached, cached = found["saliency"]["extra"]
    rows = [
        (
            "%s: memory per run, listed: saliency / images (%.1f / %.1f MiB)"
            % (backend, per_run("saliency", "rss_listed") / mib, images_listed / mib),
            per_run("saliency", "rss_listed") / images_listed,
            "<= 1.0",
        ),
        (
            "%s: memory per run, a grid open: saliency / images (%.1f / %.1f MiB)"
            % (backend, per_run("saliency", "rss_opened") / mib, images_opened / mib),
            per_run("saliency", "rss_opened") / images_opened,
            "<= 1.0",
        ),
        (
            "%s: memory per run, listed: inline, %d kept / images (%.1f / %.1f MiB)"
            % (
                backend,
                OLD_SAMPLES_PER_TAG,
                per_run("inline", "rss_listed") / mib,
                images_listed / mib,
            ),
            per_run("inline", "rss_listed") / images_listed,
            "info",
        ),
        (
            "%s: time until %d runs listed: saliency / images (%.1f / %.1f s)"
            % (backend, args.runs, found["saliency"]["listed"], found["images"]["listed"]),
            found["saliency"]["listed"] / found["images"]["listed"],
            "<= 1.2",
        ),
        (
            "%s: mask blob, asset not read / cached (%.2f / %.2f ms)"
            % (backend, uncached * 1e3, cached * 1e3),
            uncached / cached,
            "<= 3",
        ),
        (
            "%s: %d-step tag: steps listed / written (first /steps %.2f s)"
            % (backend, args.long_steps, first_steps),
            listed / args.long_steps,
            ">= 1",
        ),
        (
            "%s: %d-step tag: steps reachable / written" % (backend, args.long_steps),
            reachable / args.long_steps,
            ">= 1",
        ),
        (
            "%s: %d-step tag: memory per step, listed (KiB)" % (backend, args.long_steps),
            (long_rss_listed - empty_rss) / args.long_steps / 1024,
            "info",
        ),
        (
            "%s: %d-step tag: memory per step, every step opened (KiB)"
            % (backend, args.long_steps),
            (long_rss - empty_rss) / args.long_steps / 1024,
            "info",
        ),
    ]
    return [(figure, value, target, _ok(value, target)) for figure, value, target in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=6, help="runs of the sweep")
    parser.add_argument("--steps", type=int, default=60, help="steps per run of the sweep")
    parser.add_argument("--long-steps", type=int, default=1000, help="steps of the long tag")
    add_shared_args(parser)
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as root:
        dirs = {
            kind: os.path.join(root, kind)
            for kind in ("empty", "saliency", "inline", "images", "long")
        }
        for path in dirs.values():
            os.makedirs(path)
        start = time.time()
        write_sweep(dirs["saliency"], args.runs, args.steps, assets=True)
        write_sweep(dirs["inline"], args.runs, args.steps, assets=False)
        write_image_sweep(dirs["images"], args.runs, args.steps)
        write_long_run(dirs["long"], args.long_steps)
        sweep_steps = args.runs * args.steps
        assets_size, assets_blocks, assets_count = disk_usage(dirs["saliency"], ".bin")
        events_size, _, _ = disk_usage(dirs["saliency"], "")
        events_size -= assets_size
        inline_size, _, _ = disk_usage(dirs["inline"], "")
        images_size, _, _ = disk_usage(dirs["images"], "")
        print(
            "wrote %s in %.0f s: %d runs x %d steps of %d images %dx%d with %d masks (asset "
            "files, inline, tf.summary.image); a tag of %d steps"
            % (
                root,
                time.time() - start,
                args.runs,
                args.steps,
                BATCH,
                SIZE,
                SIZE,
                len(MASKS),
                args.long_steps,
            ),
            file=sys.stderr,
        )
        print(
            "disk per step: event record %.1f KiB + asset file %.0f KiB (%d files, %.3f of it "
            "allocated); inline event %.0f KiB; tf.summary.image event %.0f KiB"
            % (
                events_size / sweep_steps / 1024,
                assets_size / sweep_steps / 1024,
                assets_count,
                assets_blocks / assets_size,
                inline_size / sweep_steps / 1024,
                images_size / sweep_steps / 1024,
            )
        )
        rows.append(
            (
                "disk: asset files + records / inline event files",
                (assets_size + events_size) / inline_size,
                "info",
                True,
            )
        )
        rows.append(
            (
                "disk: blocks allocated / bytes of asset files",
                assets_blocks / assets_size,
                "info",
                True,
            )
        )
        for load_fast in args.backends.split(","):
            rows += measure(dirs, load_fast, args)

    return report(rows, args.json)


if __name__ == "__main__":
    sys.exit(main())
