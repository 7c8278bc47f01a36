"""Benchmark of our ROAD (`faithfulness.road`) against pytorch-grad-cam 1.5.7's (CPU).

Both run on the same model, batch, maps, percentages and noise in one process: the
torch demo's CNN (`demo_torch.build_model`, random weights), 16 images of 64 x 64,
smooth random maps in [0, 1], the percentages 10, 20, ..., 90 and the noise 0.01
(pytorch-grad-cam's default). Ours is one call of
`road(model, images, masks, classes, percentages=P, random_baseline=False)` (MoRF and
LeRF, `score="auto"`: the class probability); theirs, for each `q` in P,
`ROADMostRelevantFirst(100 - q)` and `ROADLeastRelevantFirst(100 - q)` with
`ClassifierOutputSoftmaxTarget` targets: the same curves, 2 * 9 imputations per image.
(`ROADCombined(percentiles)` runs exactly these calls, through its two
`AveragerAcrossThresholds`, and returns only their mean: the same work.)

Prints:
- "grad-cam ROAD time / ours": their time divided by ours (target >= 1: at least as
  fast);
- "ours / its forward passes alone" (for information): our time against plain forward
  passes over the same 16 * (1 + 2 * 9) model inputs in batches of 64, already built
  in memory: what the imputation adds.

pytorch-grad-cam lives in the side environment `<venv>/vision` (PyTorch 2.14.1;
`tests/vision_env.py`): this script runs itself there in a subprocess, with TensorFlow
hidden. `torch.set_num_threads(--threads)` and as many BLAS threads for both sides; our
imputation also runs SuperLU on its own few threads (as it ships), pytorch-grad-cam's
`spsolve` one system at a time. Timings are medians of 3 repeats (2 with `--quick`)
after a warm-up call.
Usage: python benchmarks/bench_road.py [--quick] [--threads N]
"""

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

IMAGES = 16
SIZE = 64
PERCENTAGES = (10, 20, 30, 40, 50, 60, 70, 80, 90)
BATCH_SIZE = 64


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
    import torch
    from pytorch_grad_cam.metrics.road import ROADLeastRelevantFirst, ROADMostRelevantFirst
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputSoftmaxTarget

    from tensorboard_plugin_saliency import demo_torch
    from tensorboard_plugin_saliency.faithfulness import road

    torch.set_num_threads(args.threads)
    model = demo_torch.build_model(seed=0).eval()
    images = torch.rand(IMAGES, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        classes = model(images).argmax(1).tolist()
    coarse = torch.rand(IMAGES, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    maps = torch.nn.functional.interpolate(coarse, size=(SIZE, SIZE), mode="bilinear")
    maps = maps[:, 0].numpy()  # float32 [N, H, W] in [0, 1]
    targets = [ClassifierOutputSoftmaxTarget(k) for k in classes]

    def ours():
        return road(
            model,
            images,
            maps,
            classes,
            percentages=PERCENTAGES,
            random_baseline=False,
            batch_size=BATCH_SIZE,
        )

    def theirs():
        torch.manual_seed(0)  # their noise: torch's global generator
        morf = [ROADMostRelevantFirst(100 - q)(images, maps, targets, model) for q in PERCENTAGES]
        lerf = [ROADLeastRelevantFirst(100 - q)(images, maps, targets, model) for q in PERCENTAGES]
        return np.stack(morf, axis=1), np.stack(lerf, axis=1)

    inputs = images.repeat(1 + 2 * len(PERCENTAGES), 1, 1, 1)

    def forwards():
        with torch.no_grad():
            for start in range(0, len(inputs), BATCH_SIZE):
                model(inputs[start : start + BATCH_SIZE])

    mine, result = median_time(ours, args.repeats)
    other, (morf, lerf) = median_time(theirs, args.repeats)
    passes, _ = median_time(forwards, args.repeats)
    # The confidence changes differ by their noise draws alone (the parity test
    # compares them with the same draws).
    diff = max(
        float(np.abs(result.morf_curves - result.original[:, None] - morf).max()),
        float(np.abs(result.lerf_curves - result.original[:, None] - lerf).max()),
    )
    rows = [
        (f"grad-cam ROAD time / ours ({other:.2f} s / {mine:.2f} s)", other / mine, ">= 1"),
        (
            f"ours / its forward passes alone, {len(inputs)} inputs ({mine:.2f} s / "
            f"{passes * 1e3:.0f} ms)",
            mine / passes,
            "info",
        ),
    ]
    print(
        f"torch {torch.__version__}, pytorch-grad-cam {metadata.version('grad-cam')}, "
        f"{torch.get_num_threads()} threads, {os.cpu_count()} CPUs; torch demo CNN, "
        f"{IMAGES} images {SIZE}x{SIZE}, percentages {PERCENTAGES[0]}..{PERCENTAGES[-1]}, "
        f"noise 0.01; median of {args.repeats}; max |diff| of the confidence changes "
        f"(different noise draws) {diff:.1e}"
    )
    width = max(len(row[0]) for row in rows)
    print(f"{'figure':<{width}}  value  target  ok")
    for figure, value, target in rows:
        ok = "-" if target == "info" else ("yes" if value >= 1 else "no")
        print(f"{figure:<{width}}  {value:5.2f}  {target:<6}  {ok}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats instead of 3")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.repeats = 2 if args.quick else 3
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
