"""Benchmark of tensorboard_plugin_saliency.torch on the torch demo's CNN (CPU).

Prints one row per figure:
- "log_attributions / one epoch": the time to log the default methods (gradients,
  SmoothGrad 25, IG 25) on 8 images, against one training epoch of the torch demo
  (3000 images, batches of 64): what logging every epoch costs.
- "<method> / fwd+bwd": our time for a method on 16 images (`torch.methods`, the
  methods' shared math on the PyTorch adapter), against plain batched
  forward+backward passes (batches of 64) over the same number of model inputs,
  already built in memory (forward only for occlusion).
- "<method> / Captum": our time against Captum's for the same method and parameters
  (what `log_attributions` ran before the methods' table: an A/B in one run).

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
from captum import attr  # noqa: E402

from tensorboard_plugin_saliency import demo, demo_torch  # noqa: E402
from tensorboard_plugin_saliency.torch import log_attributions, methods  # noqa: E402

BATCH_SIZE = 64


def median_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def forward_backward(model, inputs, targets, backward=True):
    """Plain batched forward+backward w.r.t. the inputs, batches of BATCH_SIZE."""
    for start in range(0, len(inputs), BATCH_SIZE):
        x = inputs[start : start + BATCH_SIZE].clone().requires_grad_(backward)
        with torch.set_grad_enabled(backward):
            score = model(x).gather(1, targets[start : start + BATCH_SIZE, None]).sum()
        if backward:
            torch.autograd.grad(score, x)


def captum(model, name, images, targets):
    """Captum's computation of method `name` with the parameters of `CASES`."""
    x = images.clone().requires_grad_()
    if name == "gradients":
        return attr.Saliency(model).attribute(x, target=targets, abs=False)
    if name == "gradient_x_input":
        return attr.InputXGradient(model).attribute(x, target=targets)
    if name == "smoothgrad":
        stdevs = 0.15 * float(images.max() - images.min())
        return attr.NoiseTunnel(attr.Saliency(model)).attribute(
            x,
            nt_type="smoothgrad_sq",
            nt_samples=25,
            nt_samples_batch_size=BATCH_SIZE // len(x),
            stdevs=stdevs,
            target=targets,
            abs=False,
        )
    if name == "integrated_gradients":
        return attr.IntegratedGradients(model).attribute(
            x, baselines=0.0, target=targets, n_steps=25, internal_batch_size=BATCH_SIZE
        )
    if name == "grad_cam":
        return attr.LayerGradCam(model, model[7]).attribute(
            x, target=targets, relu_attributions=True
        )
    if name == "guided_backprop":
        return attr.GuidedBackprop(model).attribute(x, target=targets)
    if name == "deconvnet":
        return attr.Deconvolution(model).attribute(x, target=targets)
    return attr.Occlusion(model).attribute(  # occlusion
        x,
        sliding_window_shapes=(3, 15, 15),
        strides=(3, 8, 8),
        baselines=0.0,
        target=targets,
        perturbations_per_eval=BATCH_SIZE,
    )


CAPTUM_NAMES = (
    "gradients",
    "gradient_x_input",
    "smoothgrad",
    "integrated_gradients",
    "grad_cam",
    "guided_backprop",
    "deconvnet",
    "occlusion",
)
"""The methods Captum has, timed against ours by `captum`."""

CASES = [  # name, params, model inputs per image, backward?
    ("gradients", {}, 1, True),
    ("gradient_x_input", {}, 1, True),
    ("smoothgrad", {"nsamples": 25, "seed": 0}, 25, True),
    ("integrated_gradients", {"steps": 25, "rule": "riemann_trapezoid"}, 25, True),
    ("blur_integrated_gradients", {"steps": 100}, 100, True),
    ("grad_cam", {}, 1, True),
    ("hires_cam", {}, 1, True),
    ("grad_cam_elementwise", {}, 1, True),
    ("grad_cam_plus_plus", {}, 1, True),
    ("xgrad_cam", {}, 1, True),
    ("layer_cam", {}, 1, True),
    ("eigen_cam", {}, 1, False),
    ("eigen_grad_cam", {}, 1, True),
    ("score_cam", {}, 1 + 64, False),  # the last layer's 64 channels
    ("ablation_cam", {}, 2 + 64, False),  # and the unablated score
    ("full_grad", {}, 1, True),
    ("occlusion", {"size": 15, "stride": 8}, 1 + 5 * 5, False),
    ("guided_backprop", {}, 1, True),
    ("deconvnet", {}, 1, True),
    ("guided_grad_cam", {}, 2, True),
    ("guided_integrated_gradients", {"steps": 200}, 200, True),
]
"""Every method of the table but XRAI (its segmentation is timed by bench_methods)."""


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
    images, targets = x[:16], y[:16]
    for name, params, count, backward in CASES:
        ours = median_time(
            lambda name=name, params=params: methods.METHODS[name](
                model, images, targets, batch_size=BATCH_SIZE, **params
            ),
            repeats,
        )
        inputs = x[:16].repeat(count, 1, 1, 1)
        reference = median_time(
            lambda inputs=inputs, count=count, backward=backward: forward_backward(
                model, inputs, y[:16].repeat(count), backward
            ),
            repeats,
        )
        label = ", ".join(f"{k}={v}" for k, v in params.items() if k != "seed")
        rows.append(
            (
                f"{name}({label}) / {'fwd+bwd' if backward else 'fwd'} over {16 * count} "
                f"inputs; {ours * 1e3 / 16:.2f} ms per image",
                ours / reference,
            )
        )
        if name not in CAPTUM_NAMES:
            continue  # Captum has no such method
        theirs = median_time(lambda name=name: captum(model, name, images, targets), repeats)
        rows.append((f"{name} / Captum's, same parameters", ours / theirs))

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
