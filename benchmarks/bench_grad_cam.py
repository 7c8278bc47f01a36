"""Benchmark of our PyTorch CAM methods against pytorch-grad-cam 1.5.7's own calls (CPU).

Prints one row per method: "<method> / pytorch-grad-cam's call", pytorch-grad-cam's
time divided by ours (>= 1: we are at least as fast), our milliseconds per image, and
the largest difference of the two maps after pytorch-grad-cam's post-processing (as
`tests/torch/test_grad_cam_parity.py` applies it): a check that both computed the same.

Both run on the same model, layer, images and targets in one process: torchvision's
ResNet-18 (random weights, its batch norms' statistics drawn at random so that
FullGrad's biases count), 16 images of 64 x 64, fixed targets, the layer `layer4`
(512 channels of 2 x 2). Score-CAM and Ablation-CAM cost one forward per channel and
image; they weigh `layer2` (128 channels, 2,048 forwards), each side in batches of
`--batch-size` model inputs (pytorch-grad-cam's ScoreCAM takes 16 without it, its
AblationCAM 32). Ours are `tensorboard_plugin_saliency.torch.methods` with the
parameters that compute pytorch-grad-cam's maps (`normalize_alpha=False`,
`weights="channel_softmax"`, `sign_correction=False`, `scale="channel"`); theirs are a
`with <CAM>(model, [layer]) as cam: cam(images, targets)` (FullGrad takes no layer),
which includes its scaling of each map and its resize to the image. Also timed, after
those: our Eigen methods with our default `sign_correction=True` (against the same
call of theirs; the sign of a map may differ).

What the figures show (measured when this was written):
- Every call of ours runs the model twice more on one image (the class-range check of
  `TorchModel.prepare` and the layer trace of `resolve_layer`, done again even with a
  named layer), 15 to 25 ms each here: it costs the cheap methods (Eigen-CAM's ratio
  is below 1 by that alone).
- Ablation-CAM: pytorch-grad-cam replaces the layer by its cached activations with
  the channel set, so that its forwards skip the layer itself (`layer2` is a sixth of
  ResNet-18's forward here); ours computes the layer and multiplies its output by a
  mask. Its maps differ by about 4e-4: the forwards' float32 rounding (1e-6 in
  the scores), divided by a score of 0.15 and summed over 128 channels.
- `sign_correction=True` takes `eigh` of each image's [C, C] scatter matrix (512 x
  512), where the SVD of the [h * w, C] matrix (4 x 512) is far cheaper.
- FullGrad's maps differ (about 0.2): ResNet's in-place ReLUs overwrite its batch
  norms' outputs, see `IN_PLACE` in the parity test.

pytorch-grad-cam lives in the side environment `<venv>/vision` (PyTorch 2.14.1,
torchvision; `tests/vision_env.py`): this script runs itself there in a subprocess,
with TensorFlow hidden. Timings are medians of repeats (3 for Score-CAM and
Ablation-CAM, 5 for the others; 1 and 2 with `--quick`) after a warm-up call, with
`torch.set_num_threads(--threads)` and as many BLAS threads (NumPy's SVD) for both.
Usage: python benchmarks/bench_grad_cam.py [--quick] [--threads N] [--batch-size N]
"""

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

IMAGES = 16
SIZE = 64
LAYER = "layer4"
FORWARD_LAYER = "layer2"
"""The layer of Score-CAM and Ablation-CAM (one forward per channel and image)."""

METHODS = (  # ours, pytorch-grad-cam's class, our parameters that match it
    ("grad_cam", "GradCAM", {}),
    ("hires_cam", "HiResCAM", {}),
    ("grad_cam_elementwise", "GradCAMElementWise", {}),
    ("grad_cam_plus_plus", "GradCAMPlusPlus", {"normalize_alpha": False}),
    ("xgrad_cam", "XGradCAM", {}),
    ("layer_cam", "LayerCAM", {}),
    ("eigen_cam", "EigenCAM", {"sign_correction": False}),
    ("eigen_grad_cam", "EigenGradCAM", {"sign_correction": False}),
    ("score_cam", "ScoreCAM", {"weights": "channel_softmax", "max_n": None}),
    ("ablation_cam", "AblationCAM", {"max_n": None}),
    ("full_grad", "FullGrad", {"scale": "channel"}),
)
DEFAULTS = (  # also timed: ours with our default sign correction
    ("eigen_cam", "EigenCAM", {}),
    ("eigen_grad_cam", "EigenGradCAM", {}),
)


def median_time(fn, repeats):
    """The median of `repeats` timed calls after a warm-up call, and the warm-up's result."""
    result = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench(args):
    """Runs in `<venv>/vision`: prints the table."""
    from importlib import metadata

    import numpy as np
    import pytorch_grad_cam
    import torch
    import torchvision
    from pytorch_grad_cam.utils.image import scale_cam_image
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    from tensorboard_plugin_saliency.torch import methods

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    model.eval()
    images = torch.rand(IMAGES, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    targets = [k % 10 for k in range(IMAGES)]
    their_targets = [ClassifierOutputTarget(k) for k in targets]
    forward_only = ("score_cam", "ablation_cam")

    def ours(name, params):
        layer = {} if name == "full_grad" else {"layer": layer_of(name)}
        return getattr(methods, name)(
            model, images, targets, batch_size=args.batch_size, **layer, **params
        )

    def layer_of(name):
        return FORWARD_LAYER if name in forward_only else LAYER

    def theirs(name, cls):
        layers = [] if name == "full_grad" else [model.get_submodule(layer_of(name))]
        with getattr(pytorch_grad_cam, cls)(model, layers) as cam:
            cam.batch_size = args.batch_size  # ScoreCAM's and AblationCAM's forwards per call
            return cam(images, their_targets)

    def post_processed(name, raw):
        # pytorch-grad-cam's BaseCAM.compute_cam_per_layer and aggregate_multi_layers
        # (FullGrad: its sum, scaled).
        if name == "full_grad":
            return scale_cam_image(raw)
        per_layer = scale_cam_image(np.maximum(raw, 0), (SIZE, SIZE))
        return scale_cam_image(np.maximum(per_layer, 0))

    rows, their_times = [], {}
    for name, cls, params in METHODS + DEFAULTS:
        if args.methods and name not in args.methods:
            continue
        default = (name, cls, params) in DEFAULTS
        repeats = args.repeats[name in forward_only]
        mine, raw = median_time(lambda n=name, p=params: ours(n, p), repeats)
        if name not in their_times:
            their_times[name] = median_time(lambda n=name, c=cls: theirs(n, c), repeats)
        other, ref = their_times[name]
        diff = float(np.abs(post_processed(name, raw) - ref).max())
        layer = "all biases" if name == "full_grad" else layer_of(name)
        label = ", our default sign_correction=True" if default else ""
        rows.append(
            (f"{name} ({layer}{label}) / pytorch-grad-cam's call", other / mine, mine, diff)
        )

    print(
        f"torch {torch.__version__}, pytorch-grad-cam {metadata.version('grad-cam')}, "
        f"{torch.get_num_threads()} threads; torchvision resnet18, {IMAGES} images "
        f"{SIZE}x{SIZE}, batch_size {args.batch_size}; median of {args.repeats[0]} "
        f"({args.repeats[1]} for {', '.join(forward_only)})"
    )
    width = max(len(row[0]) for row in rows)
    print(f"{'figure':<{width}}  value  ours ms/image  max |diff|")
    for figure, value, mine, diff in rows:
        print(f"{figure:<{width}}  {value:5.2f}  {mine * 1e3 / IMAGES:13.2f}  {diff:.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats: 2, not 5 (1, not 3)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument(
        "--batch-size", type=int, default=64, help="model inputs per call, both sides"
    )
    parser.add_argument("--methods", nargs="*", help="only these of our methods")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.repeats = (2, 1) if args.quick else (5, 3)  # (most methods, forward-heavy ones)
    if args.inner:
        bench(args)
        return
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from vision_env import VISION

    if not VISION.installed:
        sys.exit(f"{VISION.what} is not installed in {VISION.site} (run .ci/setup test)")
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)  # NumPy's BLAS too, for both sides
    argv = [os.path.abspath(__file__), "--inner", *sys.argv[1:]]
    source = (
        f"import runpy, sys\nsys.argv = {argv!r}\n"
        f"runpy.run_path({argv[0]!r}, run_name='__main__')\n"
    )
    print(VISION.run(source=source, timeout=None), end="")


if __name__ == "__main__":
    main()
