"""Benchmark of `explain_dataset` on Ray (a PyTorch CNN, CPU): images per second of a
pool of 2 single-threaded actors against 1 single-threaded actor over the same images,
on a local Ray cluster of 2 CPUs started here (target: >= 1.7x).

Each job is timed twice: its whole time (actors started, each loading PyTorch and the
model, then every part written) and its steady rate, from the part records' write
times: the images past each actor's first part, over the time from the first part
written to the last (`steady_rate`: a lower bound with 2 actors). Every figure is a
ratio against the 1-actor job of the same run; the local engine with 1 PyTorch
thread is shown beside. Other work on the machine takes the actors' CPUs: the load
average is printed with the table, and the jobs run in turn for `--rounds` rounds,
each ratio taken within a round, their median shown.

    python benchmarks/bench_dataset_ray.py [--images 4000] [--size 32] [--part-size 100]
                                           [--rounds 3]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_dataset  # noqa: E402

METHODS = {"gradients": {}, "integrated_gradients": {"steps": 16}}
CLASSES = 10
TARGET = 1.7


def model():
    """`bench_dataset`'s CNN, in eval mode."""
    return bench_dataset.model(None).eval()


def part_times(logdir, tag):
    """`[(written seconds, images)]` of the step's part records, in write order."""
    from tensorboard_plugin_saliency.format import parts

    where = os.path.join(logdir, parts.directory(tag, 0))
    names = [parts.parse_name(n) for n in os.listdir(where)]
    return sorted((n.written / 1e9, n.images) for n in names if n is not None)


def steady_rate(times, concurrency):
    """Images per second past the actors' first parts: the images of all parts but
    `concurrency` (each actor's first, which pays for its start), over the time from
    the first part written to the last. With more than one actor this undercounts (an
    actor whose first part ends later has done some of it in that time): a lower
    bound, so the ratio to one actor errs low."""
    if len(times) <= concurrency:
        return float("nan")
    images = sum(count for _, count in times) - sum(
        sorted(count for _, count in times)[-concurrency:]
    )
    return images / (times[-1][0] - times[0][0])


def run(data, engine, concurrency, part_size, logdir):
    """`(seconds, steady images/s)` of one job."""
    from tensorboard_plugin_saliency.dataset import explain_dataset

    options = {"concurrency": concurrency, "num_cpus": 1} if engine == "ray" else None
    started = time.perf_counter()
    summary = explain_dataset(
        model(),
        data,
        logdir=logdir,
        methods=METHODS,
        tag="bench",
        part_size=part_size,
        engine=engine,
        ray_options=options,
        progress=False,
    )
    seconds = time.perf_counter() - started
    assert summary.written == len(data[0]), summary
    return seconds, steady_rate(part_times(logdir, "bench"), concurrency)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4000)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--part-size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import ray
    import torch

    rng = np.random.default_rng(0)
    images = rng.random((args.images, 3, args.size, args.size), dtype=np.float32)
    data = (images, np.arange(args.images) % CLASSES)
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    jobs = [
        ("Ray, 1 actor x 1 CPU (baseline)", "ray", 1),
        ("Ray, 2 actors x 1 CPU", "ray", 2),
        ("local engine, 1 PyTorch thread", "local", 1),
    ]
    results = {name: [] for name, _, _ in jobs}
    load = [os.getloadavg()[0]]  # other work on the machine takes the actors' CPUs
    try:
        with tempfile.TemporaryDirectory() as root:
            # A first job of a few parts: the cluster's workers start and import once.
            run((images[: 2 * args.part_size], data[1][: 2 * args.part_size]), "ray", 2,
                args.part_size, os.path.join(root, "warm-up"))  # fmt: skip
            threads = torch.get_num_threads()
            # The jobs in turn, round after round: a ratio is taken within a round, so
            # that a spell of other work on the machine weighs on both of its jobs.
            for round in range(args.rounds):
                for name, engine, concurrency in jobs:
                    if engine == "local":
                        torch.set_num_threads(1)
                    try:
                        logdir = os.path.join(root, "%s-%d" % (name, round))
                        results[name].append(run(data, engine, concurrency, args.part_size, logdir))
                    finally:
                        torch.set_num_threads(threads)
    finally:
        ray.shutdown()
    load.append(os.getloadavg()[0])
    base = results[jobs[0][0]]
    print(
        "explain_dataset on Ray: PyTorch CNN at %dx%d, %d images, %s, parts of %d; "
        "ray %s, torch %s, %d CPUs; medians of %d rounds"
        % (
            args.size,
            args.size,
            args.images,
            METHODS,
            args.part_size,
            ray.__version__,
            torch.__version__,
            os.cpu_count(),
            args.rounds,
        )
    )
    header = ("job", "seconds", "images/s", "x base", "steady/s", "x base")
    print("%-34s %8s %9s %7s %9s %7s" % header)
    ratios = {}
    for name, runs in results.items():
        seconds = statistics.median(s for s, _ in runs)
        rate = statistics.median(r for _, r in runs)
        whole = statistics.median(b[0] / s for b, (s, _) in zip(base, runs))
        ratios[name] = statistics.median(r / b[1] for b, (_, r) in zip(base, runs))
        print(
            "%-34s %8.2f %9.1f %7.2f %9.1f %7.2f"
            % (name, seconds, args.images / seconds, whole, rate, ratios[name])
        )
    print("load average (1 min) before / after: %.2f / %.2f" % tuple(load))
    ratio = ratios[jobs[1][0]]
    each = ", ".join("%.2f" % (r / b[1]) for b, (_, r) in zip(base, results[jobs[1][0]]))
    ok = ratio >= TARGET
    print(
        "2 actors / 1 actor, steady images/s: %.2fx (rounds: %s; target >= %.1fx): %s"
        % (ratio, each, TARGET, "pass" if ok else "FAIL")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
