"""Our ROAD (`faithfulness.road`) equals pytorch-grad-cam 1.5.7's (`metrics/road.py`).

In one subprocess with `<venv>/vision` (`tests/vision_env.py`: PyTorch 2.14.1 and
pytorch-grad-cam; TensorFlow hidden), both run on the same small PyTorch CNN (random
weights, seeded), the same 3 images of 32 x 32, the same maps and the same classes
(theirs `ClassifierOutputSoftmaxTarget(k)` per image: the class probability, our
`score="auto"`), and are compared on the confidence changes (the score after
imputation minus the score of the image as it is), which pytorch-grad-cam returns:

- MoRF and LeRF at several percentages: ours removing `q` percent against theirs
  `ROADMostRelevantFirst(percentile=100 - q)` / `ROADLeastRelevantFirst(100 - q)`;
- the combined score against `ROADCombined(percentiles)`.

Three kinds of maps: pytorch-grad-cam's own Grad-CAM maps of the CNN's last conv
block (in [0, 1]), the same with their lowest quarter set to 0 (a plateau, which the
percentile rule removes at once: LeRF at 10 % removes all of it, MoRF at 90 % every
pixel, a system with no known pixel, which both sides fill with 0), and smooth
random maps.

Noise: pytorch-grad-cam draws it from PyTorch's global generator
(`torch.randn_like` in `NoisyLinearImputer.__call__`), ours from NumPy's generator
seeded by `seed`. Compared twice:

- without noise: pytorch-grad-cam's `NoisyLinearImputer` made with `noise=0` (its
  default changed for the run), ours with `noise=0`;
- with both at the default noise 0.01, pytorch-grad-cam's `torch.randn_like` handing
  it our draw for that image and removal (found by the removed pixels it imputes), so
  that both add the same noise: what our `seed` draws (`noise_draws` below repeats our
  documented order of draws), with pytorch-grad-cam's arithmetic.

Also recorded: whether the pixels each side removes are the same (pytorch-grad-cam's
binary masks against our `removed_pixels`).

Tolerance: 1e-4 on the confidence changes, as the issue asks. Both solve the same
linear systems in float64 (pytorch-grad-cam `spsolve`, ours SuperLU in another order)
and cast the result to float32; the model runs in float32 on both sides, in batches
of different sizes. The differences measured are about 1e-7.
"""

import json

import pytest
from vision_env import needs_vision, run_vision

ATOL = 1e-4
PERCENTAGES = (10, 30, 50, 70, 90)

SOURCE = r"""
import importlib
import json

import numpy as np
import torch
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.metrics import road as their_road
from pytorch_grad_cam.metrics.road import (
    NoisyLinearImputer,
    ROADCombined,
    ROADLeastRelevantFirst,
    ROADMostRelevantFirst,
)
from pytorch_grad_cam.utils.model_targets import ClassifierOutputSoftmaxTarget

from tensorboard_plugin_saliency import faithfulness

ours = importlib.import_module("tensorboard_plugin_saliency.faithfulness.road")

PERCENTAGES = %(percentages)r
SEED = 7
torch.set_num_threads(1)
torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Conv2d(3, 8, 3, padding=1),
    torch.nn.ReLU(),
    torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(8, 16, 3, padding=1),
    torch.nn.ReLU(),
    torch.nn.AdaptiveAvgPool2d(1),
    torch.nn.Flatten(),
    torch.nn.Linear(16, 5),
).eval()
images = torch.rand(3, 3, 32, 32, generator=torch.Generator().manual_seed(1))
with torch.no_grad():
    classes = model(images).argmax(1).tolist()
targets = [ClassifierOutputSoftmaxTarget(k) for k in classes]

with GradCAM(model, [model[3]]) as cam:
    grad_cam = cam(images, targets)  # float32 [3, 32, 32] in [0, 1]
rng = np.random.default_rng(2)
coarse = torch.from_numpy(rng.random((3, 1, 6, 6)).astype(np.float32))
smooth = torch.nn.functional.interpolate(coarse, size=(32, 32), mode="bilinear")[:, 0].numpy()
# Grad-CAM's map with its lowest quarter set to 0, as a rectified map's can be: a
# plateau that the percentile rule removes at once (LeRF at 10 %% takes all of it,
# MoRF at 90 %% every pixel, a system with no known pixel, which both fill with 0).
zeros = grad_cam.copy()
zeros[zeros < np.percentile(zeros, 25, axis=(1, 2), keepdims=True)] = 0
MAPS = {"grad_cam": grad_cam, "smooth": smooth, "grad_cam_zeros": zeros}

# Each imputation pytorch-grad-cam makes: the pixels it removes, the image's index.
seen = []
imputing = NoisyLinearImputer.__call__


def recording(self, img, mask):
    removed = mask.numpy() == 0
    index = [i for i in range(len(images)) if torch.equal(images[i], img)]
    seen.append((index[0], removed))
    CURRENT["removed"], CURRENT["index"] = removed, index[0]
    return imputing(self, img, mask)


NoisyLinearImputer.__call__ = recording
CURRENT = {}
DRAWS = {}


class Torch:
    # pytorch-grad-cam's `torch` in metrics/road.py: randn_like hands out our draw.
    def __getattr__(self, name):
        return getattr(torch, name)

    def randn_like(self, like):
        key = (CURRENT["index"], CURRENT["removed"].tobytes())
        draw = DRAWS[key]  # [removed pixels (row-major), C]
        assert tuple(like.shape) == draw.T.shape, (like.shape, draw.shape)
        return torch.from_numpy(np.ascontiguousarray(draw.T))


def noise_draws(values):
    # Our documented order: SeedSequence(seed).spawn(2)[1], then per removal (MoRF
    # at each percentage, then LeRF), per image, [removed pixels, C] float32.
    rng = np.random.default_rng(np.random.SeedSequence(SEED).spawn(2)[1])
    removed = ours.removed_pixels(values, PERCENTAGES)
    draws = {}
    for side in range(2):
        for j in range(len(PERCENTAGES)):
            for i in range(len(values)):
                r = removed[side, j, i]
                draw = rng.standard_normal((int(r.sum()), 3), np.float32)
                key = (i, r.tobytes())
                assert key not in draws, "two removals of one image are the same"
                draws[key] = draw
    return draws


def theirs(maps, noisy):
    their_road.torch = Torch() if noisy else torch
    NoisyLinearImputer.__init__.__defaults__ = (0.01 if noisy else 0.0,) + (
        NoisyLinearImputer.__init__.__defaults__[1:]
    )
    out = {"morf": [], "lerf": []}
    for q in PERCENTAGES:
        out["morf"].append(ROADMostRelevantFirst(100 - q)(images, maps, targets, model))
        out["lerf"].append(ROADLeastRelevantFirst(100 - q)(images, maps, targets, model))
    combined = ROADCombined([100 - q for q in PERCENTAGES])(images, maps, targets, model)
    return {k: np.stack(v, axis=1) for k, v in out.items()}, combined


answer = {"cases": {}}
for name, maps in MAPS.items():
    removed = ours.removed_pixels(maps, PERCENTAGES)
    for noisy in (False, True):
        DRAWS.clear()
        DRAWS.update(noise_draws(maps) if noisy else {})
        seen.clear()
        reference, combined = theirs(maps, noisy)
        candidates = removed.transpose(2, 0, 1, 3, 4).reshape(len(images), -1, 32, 32)
        same_pixels = all(any(np.array_equal(r, c) for c in candidates[i]) for i, r in seen)
        result = faithfulness.road(
            model,
            images,
            maps,
            classes,
            percentages=PERCENTAGES,
            noise=0.01 if noisy else 0.0,
            seed=SEED,
            random_baseline=False,
        )
        changes = {
            "morf": result.morf_curves - result.original[:, None],
            "lerf": result.lerf_curves - result.original[:, None],
        }
        answer["cases"]["%%s/%%s" %% (name, "noise" if noisy else "no_noise")] = {
            "morf_diff": float(np.abs(changes["morf"] - reference["morf"]).max()),
            "lerf_diff": float(np.abs(changes["lerf"] - reference["lerf"]).max()),
            "combined_diff": float(np.abs(result.combined - combined).max()),
            "combined": result.combined.tolist(),
            "their_morf": reference["morf"].tolist(),
            "their_lerf": reference["lerf"].tolist(),
            "same_pixels": bool(same_pixels),
            "imputations": len(seen),
            "removed_share": removed.mean(axis=(2, 3, 4)).tolist(),
        }
print(json.dumps(answer))
"""


@pytest.fixture(scope="module")
def answer():
    return json.loads(run_vision(SOURCE % {"percentages": PERCENTAGES}).splitlines()[-1])


CASES = [
    name + "/" + noise
    for name in ("grad_cam", "grad_cam_zeros", "smooth")
    for noise in ("no_noise", "noise")
]


@needs_vision
@pytest.mark.parametrize("case", CASES)
def test_confidence_changes_equal_pytorch_grad_cams(answer, case):
    got = answer["cases"][case]
    # Each side's removals were the same pixels (and pytorch-grad-cam imputed each
    # image at each percentage twice, MoRF and LeRF, and again in ROADCombined).
    assert got["same_pixels"]
    assert got["imputations"] == 3 * 2 * len(PERCENTAGES) * 2
    assert got["morf_diff"] <= ATOL, got
    assert got["lerf_diff"] <= ATOL, got
    assert got["combined_diff"] <= ATOL, got


@needs_vision
def test_the_comparison_means_something(answer):
    # The changes are not all zero, MoRF takes more confidence than LeRF somewhere,
    # and the noise changes pytorch-grad-cam's numbers (so it was injected).
    for name in ("grad_cam", "grad_cam_zeros", "smooth"):
        quiet, noisy = answer["cases"][name + "/no_noise"], answer["cases"][name + "/noise"]
        assert max(abs(v) for row in quiet["their_morf"] for v in row) > 1e-3
        assert quiet["their_morf"] != noisy["their_morf"]
    # The plateau of zeros: LeRF at 10 % removes all of it (a quarter of the pixels),
    # MoRF at 90 % every pixel.
    (morf, lerf) = answer["cases"]["grad_cam_zeros/no_noise"]["removed_share"]
    assert lerf[0] == pytest.approx(0.25, abs=0.01) and morf[-1] == 1.0
