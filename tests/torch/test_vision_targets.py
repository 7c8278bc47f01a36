"""Segmentation and detection targets on torchvision's models with random weights, in
`<venv>/vision` (`tests/vision_env.py`): the box a detection target picks on a
Faster R-CNN, its score against pytorch-grad-cam's `FasterRCNNBoxScoreTarget`, and a
segmentation target on DeepLabV3 against pytorch-grad-cam's
`SemanticSegmentationTarget`."""

import json

from vision_env import needs_vision, run_vision

SOURCE = r"""
import json

import numpy as np
import torch
from pytorch_grad_cam.utils.model_targets import (
    FasterRCNNBoxScoreTarget,
    SemanticSegmentationTarget,
)
from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_320_fpn
from torchvision.models.segmentation import deeplabv3_mobilenet_v3_large

from tensorboard_plugin_saliency.torch import methods
from tensorboard_plugin_saliency.torch.torch_ops import TorchOps

torch.manual_seed(0)
answer = {}
ops = TorchOps(torch.device("cpu"))
x = torch.rand(2, 3, 96, 96)

# Detection: the model's own detections of image 0, one of them given back as a box.
detector = fasterrcnn_mobilenet_v3_large_320_fpn(
    weights=None, weights_backbone=None, num_classes=5, box_score_thresh=0.0
).eval()
with torch.no_grad():
    found = detector(x)
answer["detections"] = [len(one["boxes"]) for one in found]
j = 3
box, label = found[0]["boxes"][j].numpy(), int(found[0]["labels"][j])
target = methods.detection([box.tolist()], [label])
with torch.no_grad():
    ours = target.score(found, torch.tensor([0, 1]), ops).numpy()
theirs = [float(FasterRCNNBoxScoreTarget([label], [box], 0.5)(one)) for one in found]
answer["scores"] = ours.tolist()
answer["grad_cam_scores"] = theirs
answer["picked"] = float(found[0]["scores"][j]) + 1.0  # IoU 1 with itself
# Its map runs through the detector (with random weights the detections barely depend on
# the pixels, so the values are checked on a hand-made detector in
# tests/methods/test_region_targets.py).
grads = methods.gradients(detector, x[:1], target=target)
answer["gradient_shape"] = list(grads.shape)
answer["gradient_finite"] = bool(np.isfinite(grads).all())

# Segmentation: DeepLabV3's {"out": [N, K, H, W]}, a class over a pixel region.
segmenter = deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=4).eval()
mask = np.zeros((96, 96), np.float32)
mask[20:60, 30:80] = 1
target = methods.segmentation(2, mask)
with torch.no_grad():
    out = segmenter(x)
    ours = target.score(out, torch.tensor([0, 1]), ops).numpy()
theirs = [float(SemanticSegmentationTarget(2, mask)(o)) for o in out["out"]]
answer["segmentation"] = ours.tolist()
answer["grad_cam_segmentation"] = theirs
cams = methods.grad_cam(segmenter, x, target=target, layer="backbone.16")
answer["segmentation_cam"] = list(cams.shape)
print(json.dumps(answer))
"""


@needs_vision
def test_detection_and_segmentation_targets_on_torchvision_models():
    answer = json.loads(run_vision(SOURCE).strip().splitlines()[-1])
    assert answer["detections"][0] > 3
    # The given box is detection 3 of image 0 (IoU 1 with itself): its score + 1; image 1
    # scores whichever of its detections matches, as pytorch-grad-cam's target does.
    assert abs(answer["scores"][0] - answer["picked"]) < 1e-5
    for ours, theirs in zip(answer["scores"], answer["grad_cam_scores"]):
        assert abs(ours - theirs) < 1e-5
    assert answer["gradient_shape"] == [1, 3, 96, 96] and answer["gradient_finite"]
    for ours, theirs in zip(answer["segmentation"], answer["grad_cam_segmentation"]):
        assert abs(ours - theirs) <= 1e-5 * max(1.0, abs(theirs))
    assert answer["segmentation_cam"][0] == 2 and len(answer["segmentation_cam"]) == 3
