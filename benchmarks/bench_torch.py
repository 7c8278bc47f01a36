"""Benchmark of tensorboard_plugin_saliency.torch (Captum) on the torch demo's CNN (CPU).

Prints one row per figure:
- "log_attributions / one epoch": the time to log the default methods (saliency,
  SmoothGrad 25, IG 25) on 8 images, against one training epoch of the torch demo
  (3000 images, batches of 64): what logging every epoch costs.
- "<method> / fwd+bwd": Captum's time for a method on 16 images, against plain
  batched forward+backward passes (batches of 64) over the same number of model
  inputs (16 for saliency, 16 x 25 for SmoothGrad and IG), already built in memory.

Timings are medians of repeats after a warm-up call.
Usage: python benchmarks/bench_torch.py [--quick]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from tensorboard_plugin_saliency import demo, demo_torch  # noqa: E402
from tensorboard_plugin_saliency.torch import attributions, log_attributions  # noqa: E402

BATCH_SIZE = 64


def median_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def forward_backward(model, inputs, targets):
    """Plain batched forward+backward w.r.t. the inputs, batches of BATCH_SIZE."""
    for start in range(0, len(inputs), BATCH_SIZE):
        x = inputs[start : start + BATCH_SIZE].clone().requires_grad_()
        score = model(x).gather(1, targets[start : start + BATCH_SIZE, None]).sum()
        torch.autograd.grad(score, x)


def one_epoch(model, x, y):
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for rows in torch.randperm(len(x)).split(64):
        loss = torch.nn.functional.cross_entropy(model(x[rows]), y[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats instead of 3")
    repeats = 2 if parser.parse_args().quick else 3
    torch.manual_seed(0)
    data = demo.make_shapes(3000, seed=0)
    x = torch.as_tensor(np.ascontiguousarray(data.images.transpose(0, 3, 1, 2)))
    y = torch.as_tensor(data.classes)
    model = demo_torch.build_model()
    rows = []

    with tempfile.TemporaryDirectory() as logdir:
        logging = median_time(
            lambda: log_attributions(logdir, model, x[:8], y[:8], step=0), repeats
        )
    epoch = median_time(lambda: one_epoch(demo_torch.build_model(), x, y), repeats)
    rows.append(("log_attributions(default methods, 8 images) / one epoch", logging / epoch))

    model.eval()
    images, targets = x[:16].clone().requires_grad_(), y[:16]
    for name, count in [("saliency", 1), ("smoothgrad", 25), ("integrated_gradients", 25)]:
        method = median_time(
            lambda name=name: attributions.attribute(model, images, targets, name, {}, BATCH_SIZE),
            repeats,
        )
        inputs = x[:16].repeat(count, 1, 1, 1)
        reference = median_time(
            lambda inputs=inputs, count=count: forward_backward(
                model, inputs, y[:16].repeat(count)
            ),
            repeats,
        )
        rows.append(
            (
                f"{name} (Captum) / fwd+bwd over {16 * count} inputs; "
                f"{method * 1e3 / 16:.2f} ms per image",
                method / reference,
            )
        )

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"the torch demo CNN on 48x48 images; median of {repeats}"
    )
    width = max(len(figure) for figure, _ in rows)
    print(f"{'figure':<{width}}  value")
    for figure, value in rows:
        print(f"{figure:<{width}}  {value:.3f}")
    print(f"absolute: logging {logging:.3f} s, one epoch {epoch:.3f} s")


if __name__ == "__main__":
    main()
