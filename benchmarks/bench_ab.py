"""A/B of the saliency methods against another commit, in one run.

Checks out `--base` (default: the commit before the methods' table) in a temporary git
worktree, then times every method through the public API that both commits share
(`methods.METHODS[name](model, images, targets, ...)` for Keras, `log_attributions`
with one method for PyTorch) in worker processes that alternate between the two
trees, round after round, so that both see the same machine. Prints, per method, the
median time of each and head / base.

The models: bench_methods' CNN (Keras, 16 images of 64x64) and the torch demo's CNN
(16 images of 48x48). PyTorch methods go by the names and parameters both commits
take (the older names warn on head).

Usage: python benchmarks/bench_ab.py [--base COMMIT] [--rounds N] [--quick] [--only a,b]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BASE = "0843f56"
"""The last commit before the methods' table (one method vocabulary)."""

KERAS = [
    ("gradients", {}),
    ("gradient_x_input", {}),
    ("smoothgrad", {"nsamples": 25, "seed": 0}),
    ("integrated_gradients", {"steps": 25}),
    ("blur_integrated_gradients", {"steps": 100}),
    ("grad_cam", {}),
    ("occlusion", {"size": 15, "stride": 4}),
    ("guided_backprop", {}),
    ("deconvnet", {}),
    ("guided_grad_cam", {}),
    ("guided_integrated_gradients", {"steps": 200}),
    ("deletion+insertion", {}),
]
TORCH = [
    ("saliency", {}),
    ("input_x_gradient", {}),
    ("smoothgrad", {"nsamples": 25}),
    ("integrated_gradients", {"steps": 25}),
    ("grad_cam", {}),
    ("occlusion", {"size": 15, "stride": 8}),
    ("guided_backprop", {}),
    ("deconvolution", {}),
]

WORKER = r"""
import json, os, statistics, sys, tempfile, time, warnings
warnings.simplefilter("ignore")
import numpy as np
framework, cases, repeats = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
out = {}

def timed(fn):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)

if framework == "keras":
    import keras
    from tensorboard_plugin_saliency import faithfulness, methods
    keras.utils.set_random_seed(0)  # bench_methods' CNN: conv-BN-ReLU blocks, GAP, dense
    layers = [keras.Input((64, 64, 3))]
    for filters, stride in [(16, 2), (32, 1), (32, 2), (64, 1), (64, 2), (128, 1)]:
        layers += [keras.layers.Conv2D(filters, 3, stride, "same", use_bias=False),
                   keras.layers.BatchNormalization(), keras.layers.ReLU()]
    model = keras.Sequential(layers + [keras.layers.GlobalAveragePooling2D(),
                                       keras.layers.Dense(100)])
    images = np.random.default_rng(0).random((16, 64, 64, 3), np.float32)
    targets = model(images).numpy().argmax(1).astype(np.int32)
    mask = methods.gradients(model, images, targets)
    for name, params in cases:
        if name == "deletion+insertion":
            fn = lambda: [k(model, images, mask, targets, steps=20, batch_size=64)
                          for k in (faithfulness.deletion, faithfulness.insertion)]
        else:
            fn = lambda name=name, params=params: methods.METHODS[name](
                model, images, targets, batch_size=64, **params)
        out[name] = timed(fn)
else:
    import torch
    from tensorboard_plugin_saliency import demo, demo_torch
    from tensorboard_plugin_saliency.torch import log_attributions
    torch.manual_seed(0)
    data = demo.make_shapes(16, seed=0)
    x = torch.as_tensor(np.ascontiguousarray(data.images.transpose(0, 3, 1, 2)))
    y = torch.as_tensor(data.classes)
    model = demo_torch.build_model()
    with tempfile.TemporaryDirectory() as logdir:
        for name, params in cases:
            out[name] = timed(lambda name=name, params=params: log_attributions(
                logdir, model, x, y, step=0, methods={name: params}))
print("RESULT " + json.dumps(out))
"""


def worktree(base):
    """A temporary checkout of `base` (removed by the caller)."""
    path = tempfile.mkdtemp(prefix="saliency-ab-")
    subprocess.run(
        ["git", "-C", ROOT, "worktree", "add", "--detach", path, base],
        check=True,
        capture_output=True,
    )
    return path


def run(tree, framework, cases, repeats):
    done = subprocess.run(
        [sys.executable, "-c", WORKER, framework, json.dumps(cases), str(repeats)],
        cwd=tree,
        env=dict(os.environ, PYTHONPATH=tree, TF_CPP_MIN_LOG_LEVEL="3"),
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"{framework} worker in {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASE, help=f"the commit to compare (default {BASE})")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--quick", action="store_true", help="1 repeat per round, not 3")
    parser.add_argument(
        "--only", help="comma-separated method names to time (default: all of them)"
    )
    args = parser.parse_args()
    only = None if args.only is None else set(args.only.split(","))
    suites = [
        (framework, [case for case in cases if only is None or case[0] in only])
        for framework, cases in (("keras", KERAS), ("torch", TORCH))
    ]
    suites = [(framework, cases) for framework, cases in suites if cases]
    repeats = 1 if args.quick else 3
    base_tree = worktree(args.base)
    times = {}
    started = time.perf_counter()
    try:
        for _ in range(args.rounds):
            for side, tree in (("base", base_tree), ("head", ROOT)):
                for framework, cases in suites:
                    for name, value in run(tree, framework, cases, repeats).items():
                        times.setdefault((framework, name), {}).setdefault(side, []).append(value)
    finally:
        subprocess.run(
            ["git", "-C", ROOT, "worktree", "remove", "--force", base_tree], capture_output=True
        )
    head = subprocess.run(
        ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"base {args.base}, head {head} (with uncommitted changes, if any); median of "
        f"{args.rounds} alternating rounds x {repeats} repeats; "
        f"{time.perf_counter() - started:.0f} s"
    )
    width = max(len(f"{f} {n}") for f, n in times)
    print(f"{'method':<{width}}  {'base s':>8}  {'head s':>8}  head/base")
    for (framework, name), sides in times.items():
        base, ours = statistics.median(sides["base"]), statistics.median(sides["head"])
        print(f"{framework + ' ' + name:<{width}}  {base:8.3f}  {ours:8.3f}  {ours / base:9.2f}")


if __name__ == "__main__":
    main()
