"""Benchmark of `explain_dataset` on the local engine (a PyTorch CNN, CPU).

Prints a table:
- the job's time over the methods' own time on the same images (each method called
  on the same chunks, one after the other): what reading, predicting, scoring the
  fields and writing add, with reading and writing on threads beside the model's
  work (target <= 1.15);
- the peak resident memory of a job over 20,000 images against one over 2,000, each
  in a process of its own, the images made per index on demand (target: <= 10 %
  growth);
- what a dataset costs: seconds per image for each method on this model, and the
  bytes each image takes on disk, times 50,000.

    python benchmarks/bench_dataset.py [--images 2000] [--large 20000] [--size 32]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

METHODS = {"gradients": {}, "integrated_gradients": {"steps": 16}}
PART_SIZE = 256
CLASSES = 10


def model(size=None):
    """A CNN of two convolutions over `[N, 3, H, W]` (any size), `CLASSES` scores."""
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(4),
        torch.nn.Flatten(),
        torch.nn.Linear(32 * 16, CLASSES),
    )


class Generated:
    """A map-style dataset of `n` images made from their index: nothing held."""

    def __init__(self, n, size):
        self.n, self.size = n, size

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        rng = np.random.default_rng(i)
        return rng.random((3, self.size, self.size), dtype=np.float32), i % CLASSES


def methods_time(net, data, n):
    """Seconds for each method over the first `n` images, in the job's chunks (made
    before the clock starts)."""
    from tensorboard_plugin_saliency.torch import methods

    chunks = []
    for begin in range(0, n, PART_SIZE):
        items = [data[i] for i in range(begin, min(begin + PART_SIZE, n))]
        chunks.append((np.stack([x for x, _ in items]), np.asarray([y for _, y in items])))
    seconds = {}
    for name, params in METHODS.items():
        start = time.perf_counter()
        for images, labels in chunks:
            getattr(methods, name)(net, images, labels, **params)
        seconds[name] = time.perf_counter() - start
    return seconds


def job(n, size, logdir):
    """Runs the job over `n` generated images; returns (seconds, bytes written)."""
    from tensorboard_plugin_saliency.dataset import explain_dataset

    start = time.perf_counter()
    explain_dataset(
        model(size),
        Generated(n, size),
        logdir=logdir,
        methods=METHODS,
        part_size=PART_SIZE,
        progress=False,
    )
    seconds = time.perf_counter() - start
    written = sum(
        os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(logdir) for f in files
    )
    return seconds, written


def peak_memory(n, size):
    """The peak resident MiB of a process that runs the job over `n` images."""
    code = (
        "import json, resource, sys, tempfile; sys.path.insert(0, 'benchmarks');"
        "import bench_dataset as b; d = tempfile.mkdtemp();"
        "b.job(%d, %d, d);"
        "print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))" % (n, size)
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--size", type=int, default=32)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    net, data = model(args.size), Generated(args.images, args.size)
    methods_time(net, data, PART_SIZE)  # warm-up
    rows = []
    own = methods_time(net, data, args.images)
    with tempfile.TemporaryDirectory() as logdir:
        seconds, written = job(args.images, args.size, logdir)
    total = sum(own.values())
    rows.append(
        (
            "job time / the methods' own time, %d images" % args.images,
            seconds / total,
            "<= 1.15",
            seconds / total <= 1.15,
        )
    )
    small, large = peak_memory(args.images, args.size), peak_memory(args.large, args.size)
    growth = large / small - 1
    rows.append(
        (
            "peak memory, %d images / %d images, growth" % (args.large, args.images),
            growth,
            "<= 0.10",
            growth <= 0.10,
        )
    )
    print(
        "explain_dataset, local engine: PyTorch CNN at %dx%d, %s, parts of %d; torch %s, %d CPUs"
        % (args.size, args.size, METHODS, PART_SIZE, torch.__version__, os.cpu_count())
    )
    print("%-60s %10s %8s %s" % ("figure", "value", "target", "result"))
    for what, value, target, ok in rows:
        print("%-60s %10.3f %8s %s" % (what, value, target, "pass" if ok else "FAIL"))
    print(
        "absolute: job %.2f s (%.0f images/s); methods %s; peak memory %.0f / %.0f MiB"
        % (
            seconds,
            args.images / seconds,
            ", ".join("%s %.2f s" % kv for kv in own.items()),
            small,
            large,
        )
    )
    per_image = {name: s / args.images for name, s in own.items()}
    disk = written / args.images
    print(
        "50,000 images: %s; %.1f KB per image on disk, %.0f MB in all"
        % (
            ", ".join(
                "%s %.1f ms/image (%.0f s)" % (n, 1e3 * s, 5e4 * s) for n, s in per_image.items()
            ),
            disk / 1e3,
            disk * 5e4 / 1e6,
        )
    )
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
