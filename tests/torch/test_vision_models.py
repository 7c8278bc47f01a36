"""Real vision models build and run on the CPU in `<venv>/vision` (`tests/vision_env.py`).

A smoke test of that side environment, and a record of what the later tests rely on:
the layers they hook and the shapes and formats of what those layers and the models
return. Random weights only (timm's `pretrained=False`, torchvision's `weights=None,
weights_backbone=None`): nothing is downloaded. All models run in one subprocess, so
PyTorch is loaded once.
"""

import json

from vision_env import needs_vision, run_vision

MODELS = r"""
import importlib.util
import json
import sys
import time

import torch
import timm
import torchvision
from torchvision.models import resnet18
from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_320_fpn
from torchvision.models.segmentation import deeplabv3_mobilenet_v3_large
from torchvision.models.vision_transformer import VisionTransformer

import pytorch_grad_cam
import tensorboard_plugin_saliency.torch

torch.manual_seed(0)
answer = {
    "torch": torch.__version__,
    "torchvision": torchvision.__version__,
    "timm": timm.__version__,
    "grad_cam": pytorch_grad_cam.__file__,
    "tensorflow_found": importlib.util.find_spec("tensorflow") is not None,
    "tensorflow": sorted(
        name for name in sys.modules if name.partition(".")[0] in ("tensorflow", "keras")
    ),
}


def shapes(value):
    if isinstance(value, torch.Tensor):
        return list(value.shape)
    if isinstance(value, dict):
        return {key: shapes(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [shapes(item) for item in value]
    return type(value).__name__


def run(name, build, inputs, layers=()):
    start = time.perf_counter()
    model = build().eval()
    built = time.perf_counter()
    seen = {}
    modules = dict(model.named_modules())
    for layer in layers:
        modules[layer].register_forward_hook(
            lambda module, args, output, layer=layer: seen.__setitem__(layer, shapes(output))
        )
    with torch.no_grad():
        output = model(inputs)
    answer[name] = {
        "output": shapes(output),
        "layers": seen,
        "build_s": built - start,
        "forward_s": time.perf_counter() - built,
    }
    return output


x = torch.rand(2, 3, 64, 64)
run(
    "timm_vit",
    lambda: timm.create_model(
        "vit_tiny_patch16_224", pretrained=False, img_size=64, num_classes=10
    ),
    x,
    ["blocks.11.norm1", "blocks.11", "norm"],
)
run(
    "timm_swin",
    lambda: timm.create_model(
        "swin_tiny_patch4_window7_224", pretrained=False, img_size=64, num_classes=10
    ),
    x,
    ["layers.3", "layers.3.blocks.1.norm1", "norm"],
)
run(
    "timm_convnext",
    lambda: timm.create_model("convnext_atto", pretrained=False, num_classes=10),
    x,
    ["stages.3", "head.norm"],
)
run(
    "tv_vit",
    lambda: VisionTransformer(
        image_size=64, patch_size=16, num_layers=2, num_heads=2, hidden_dim=64,
        mlp_dim=128, num_classes=10,
    ),
    x,
    ["encoder.layers.encoder_layer_1.ln_1", "encoder.ln"],
)
run("resnet18", lambda: resnet18(weights=None, num_classes=10), x, ["layer4"])
detections = run(
    "faster_rcnn",
    lambda: fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=3
    ),
    [torch.rand(3, 96, 96), torch.rand(3, 80, 112)],
    ["backbone"],
)
answer["faster_rcnn"]["dtypes"] = {key: str(value.dtype) for key, value in detections[0].items()}
answer["faster_rcnn"]["boxes_max"] = [
    d["boxes"][:, 2:].amax(0).tolist() if len(d["boxes"]) else [0.0, 0.0] for d in detections
]
segments = run(
    "deeplab",
    lambda: deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=4),
    x,
)
answer["deeplab"]["type"] = type(segments).__name__
print(json.dumps(answer))
"""


@needs_vision
def test_vision_models_build_and_run():
    answer = json.loads(run_vision(MODELS).strip().splitlines()[-1])
    assert answer["torch"].startswith("2.14.1")  # the side environment's, not the venv's
    assert answer["torchvision"].startswith("0.29.1")
    assert "/vision/" in answer["grad_cam"]
    # TensorFlow is installed in the venv, but hidden from the subprocess: it segfaults
    # beside torchvision.
    assert answer["tensorflow_found"] is False
    assert answer["tensorflow"] == []

    # timm's ViT: tokens [N, 1 + (64 / 16) ** 2, 192], the class token first.
    vit = answer["timm_vit"]
    assert vit["output"] == [2, 10]
    assert vit["layers"] == {
        "blocks.11.norm1": [2, 17, 192],
        "blocks.11": [2, 17, 192],
        "norm": [2, 17, 192],
    }
    # timm's Swin: channels last, [N, h, w, C], 64 / 32 = 2 patches a side.
    swin = answer["timm_swin"]
    assert swin["output"] == [2, 10]
    assert swin["layers"]["layers.3"] == [2, 2, 2, 768]
    assert swin["layers"]["layers.3.blocks.1.norm1"] == [2, 2, 2, 768]
    # timm's ConvNeXt: channels first.
    assert answer["timm_convnext"]["layers"]["stages.3"] == [2, 320, 2, 2]
    assert answer["timm_convnext"]["output"] == [2, 10]
    # torchvision's ViT, in a small configuration: tokens [N, 17, hidden_dim].
    tv_vit = answer["tv_vit"]
    assert tv_vit["output"] == [2, 10]
    assert tv_vit["layers"]["encoder.layers.encoder_layer_1.ln_1"] == [2, 17, 64]

    assert answer["resnet18"]["output"] == [2, 10]
    assert answer["resnet18"]["layers"]["layer4"] == [2, 512, 2, 2]

    # Faster R-CNN in eval mode: a list with a dict per image of boxes [K, 4] (x1, y1,
    # x2, y2 in the input image's pixels), labels [K] and scores [K], K <= 100.
    rcnn = answer["faster_rcnn"]
    assert len(rcnn["output"]) == 2
    for image in rcnn["output"]:
        assert set(image) == {"boxes", "labels", "scores"}
        count = image["boxes"][0]
        assert image["boxes"] == [count, 4] and count <= 100
        assert image["labels"] == [count] and image["scores"] == [count]
    for (right, bottom), (width, height) in zip(rcnn["boxes_max"], [(96, 96), (112, 80)]):
        assert right <= width and bottom <= height
    assert rcnn["dtypes"] == {
        "boxes": "torch.float32",
        "labels": "torch.int64",
        "scores": "torch.float32",
    }
    # Its backbone (with the FPN) returns a dict of feature maps of 256 channels.
    assert all(shape[:2] == [2, 256] for shape in rcnn["layers"]["backbone"].values())

    # DeepLabV3: a dict with "out", the class scores at the input's size (no "aux").
    assert answer["deeplab"]["type"] == "OrderedDict"
    assert answer["deeplab"]["output"] == {"out": [2, 4, 64, 64]}

    for name in (
        "timm_vit",
        "timm_swin",
        "timm_convnext",
        "tv_vit",
        "resnet18",
        "faster_rcnn",
        "deeplab",
    ):
        print(
            "%-14s build %.2f s, forward %.2f s"
            % (name, answer[name]["build_s"], answer[name]["forward_s"])
        )
