"""Our PyTorch CAM methods equal pytorch-grad-cam 1.5.7's, on real vision models.

In one subprocess with `<venv>/vision` (`tests/vision_env.py`: PyTorch 2.14.1, timm,
pytorch-grad-cam; TensorFlow hidden), each of our methods and pytorch-grad-cam's class
of the same method run on the same model, layer, images and explicit targets (ours
`targets=[k0, k1]`, theirs `ClassifierOutputTarget(k)` per image). Our maps are raw, at
the layer's resolution; here they get pytorch-grad-cam's own post-processing, as
`BaseCAM.compute_cam_per_layer` and `aggregate_multi_layers` apply it to its maps:
`scale_cam_image(np.maximum(cam, 0), (W, H))` per layer (min-max scaling with its
1e-7, then `cv2.resize`), rectified, averaged over the layers, `scale_cam_image` again.
The subprocess prints the largest absolute differences as JSON; the tests assert here.

Models (random weights, seeded; images 64 x 64, nothing downloaded):

- `cnn`: a small `nn.Sequential` CNN; its last conv block's ReLU (16 x 16 x 16).
  `cnn_layers`: `layers=["4", "7"]` (its last two conv blocks, 32 x 32 and 16 x 16)
  against pytorch-grad-cam given both target layers.
- `vit`: timm's `vit_tiny_patch16_224` at `img_size=64` (a class token and 4 x 4
  patches); the layer `blocks.11.norm1`. pytorch-grad-cam takes the `reshape_transform`
  of its ViT tutorial (class token dropped, [B, 16, C] -> [B, C, 4, 4]); ours once
  guesses the grid itself (`vit`), once takes the same function (`vit_rt`).
- `swin`: timm's `swin_tiny_patch4_window7_224` at `img_size=64`; the layer `layers.3`,
  whose output is channels last, [N, 2, 2, 768]. pytorch-grad-cam takes a
  `reshape_transform` that permutes it to [N, C, h, w]; ours reads it as it is.
- `swin_small`: the same Swin in a smaller configuration (`embed_dim=32, depths=(1, 1,
  2, 1), num_heads=(1, 2, 4, 8)`: the same code and layer names, [N, 2, 2, 256]).

Score-CAM costs one forward per channel and image. It runs on all channels of the CNN
(16), the ViT (192) and the small Swin (256), not on Swin-T's 768 (1,536 forwards, 40 s
here, with pytorch-grad-cam's as many again); there, and once more on the ViT, it runs
on 16 channels through a `reshape_transform` given to both sides (`*_rt16`).

Ablation-CAM costs as much: on the CNN (both layers), the ViT and the small Swin, not
on Swin-T. Ours sets a channel to 0, as the paper does; pytorch-grad-cam's
`AblationLayer` does so only where the layer's output has the minimum 0 (else it sets
`min - 1e7`), which holds after the CNN's ReLUs, and that is the layer it gets there.
On the token layers (a layer norm, a Swin stage) it gets `ZeroingAblationLayer`, its
`AblationLayerVit` setting 0: with its own, the maps are unrelated (a difference of 1).

FullGrad (`scale="channel"`) against pytorch-grad-cam's `FullGrad`, whose map is the
sum `scale_cam_image` scales (no rectification): on a small CNN with `BatchNorm2d`
(`fullgrad_bn`) and on torchvision's ResNet-18 (`fullgrad_resnet18`), their batch
norms' statistics drawn at random (fresh ones add no bias), with its in-place ReLUs as
built and with copying ReLUs (`fullgrad_resnet18_copying_relu`): ours reads each
layer's output as the layer made it, before the in-place operations after it.

The targets were chosen so that every compared map is a real map on both sides (not
all zeros, as a rectified map of random weights can be): the tests check that
pytorch-grad-cam's maps span [0, 1] in every image, so that a difference of 0 means
something.

Also recorded: the default layer each model's Grad-CAM takes (no `layer=`), by
`registry.method_params("grad_cam", model=model)["layer"]` after a call, and that map
against pytorch-grad-cam's on that layer (`*_default`); and on more models (`MORE`:
timm's DeiT-Tiny distilled and ConvNeXt-Atto, torchvision's ResNet-18, a small
VisionTransformer and Swin-T), the layer, the map's shape and the map against
pytorch-grad-cam's Grad-CAM on the layer it should be. On ResNet-18 the layer is
recorded as `layer4`, the container that returns the last block's output (its
in-place `+=` and ReLU return bn2's tensor, changed).

With `sign_correction=False`, the Eigen methods take LAPACK's sign of the float32
matrix as pytorch-grad-cam does: on the small Swin (2 x 2 positions, 256 channels) the
centred matrix is rank-deficient and its rounding decides the sign
(`test_eigen_sign_is_lapacks_at_float32`). `layers=` gives the combined map before
`aggregate_multi_layers`' last rescaling (raw, as every map we store); after it, the two
are equal.
"""

import json

import pytest
from vision_env import needs_vision, run_vision

ATOL = 1e-4

SOURCE = r"""
import json
import time

START = time.perf_counter()

import numpy as np
import timm
import torch
from pytorch_grad_cam import (
    AblationCAM,
    EigenCAM,
    EigenGradCAM,
    FullGrad,
    GradCAM,
    GradCAMElementWise,
    GradCAMPlusPlus,
    HiResCAM,
    LayerCAM,
    ScoreCAM,
    XGradCAM,
)
from pytorch_grad_cam.ablation_layer import AblationLayerVit
from pytorch_grad_cam.utils.image import scale_cam_image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from pytorch_grad_cam.utils.svd_on_activations import get_2d_projection
from torchvision.models import resnet18, swin_t
from torchvision.models.vision_transformer import VisionTransformer

import pytorch_grad_cam
from tensorboard_plugin_saliency.methods.cam import first_component
from tensorboard_plugin_saliency.methods.registry import method_params
from tensorboard_plugin_saliency.torch import methods

# Our method -> (pytorch-grad-cam's class, our parameters that match it).
PAIRS = {
    "grad_cam": (GradCAM, {}),
    "hires_cam": (HiResCAM, {}),
    "grad_cam_elementwise": (GradCAMElementWise, {}),
    "grad_cam_plus_plus": (GradCAMPlusPlus, {"normalize_alpha": False}),
    "xgrad_cam": (XGradCAM, {}),
    "layer_cam": (LayerCAM, {}),
    "score_cam": (ScoreCAM, {"weights": "channel_softmax", "max_n": None}),
    "eigen_cam": (EigenCAM, {"sign_correction": False}),
    "eigen_grad_cam": (EigenGradCAM, {"sign_correction": False}),
    "ablation_cam": (AblationCAM, {"max_n": None}),
}
GRADIENTS = [name for name in PAIRS if name not in ("score_cam", "ablation_cam")]


class ZeroingAblationLayer(AblationLayerVit):
    # AblationCAM's layer for a token sequence [N, T, C] or a channels-last map
    # [N, h, w, C] (AblationLayerVit: the channel axis moved to 1), setting the channel
    # to 0 as the paper does (and as its AblationLayer does where the layer's minimum is
    # 0, after a ReLU), not to the minimum minus 1e7 as AblationLayerVit does there.
    def __call__(self, x):
        output = self.activations.transpose(1, self.activations.ndim - 1)
        for i in range(output.size(0)):
            output[i, self.indices[i], :] = 0
        return output.transpose(output.ndim - 1, 1)

# One thread: on a busy machine (other tests running) two stall each other, calls of
# 0.05 s take 1 s or more.
torch.set_num_threads(1)
images = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
SIZE = (images.shape[-1], images.shape[-2])  # (W, H), as get_target_width_height
answer = {
    "versions": {
        "torch": torch.__version__,
        "timm": timm.__version__,
        "grad_cam": pytorch_grad_cam.__file__,
    },
    "cases": {},
    "default_layers": {},
    "more_default_layers": {},
    "seconds": {"import": time.perf_counter() - START},
}


def per_layer(raw):
    # BaseCAM.compute_cam_per_layer, after get_cam_image.
    return scale_cam_image(np.maximum(raw, 0), SIZE)[:, None, :]


def aggregated(cams):
    # BaseCAM.aggregate_multi_layers.
    cams = np.maximum(np.concatenate(cams, axis=1), 0)
    return scale_cam_image(np.mean(cams, axis=1))


def theirs(model, name, layers, targets, reshape_transform=None, **options):
    modules = [model.get_submodule(layer) for layer in layers]
    with PAIRS[name][0](model, modules, reshape_transform=reshape_transform, **options) as cam:
        cam.batch_size = 64  # Score-CAM's and Ablation-CAM's forwards per call
        return cam(images, [ClassifierOutputTarget(k) for k in targets])


def compare(key, model, name, targets, layer, their_transform=None, their_options=None, **kw):
    # Ours on `layer` (or `layers=`), through pytorch-grad-cam's post-processing,
    # against theirs on the same layer(s) and targets.
    start = time.perf_counter()
    params = {**PAIRS[name][1], **kw}
    layers = params.get("layers") or [layer]
    if "layers" not in params:
        params["layer"] = layer
    raw = getattr(methods, name)(model, images, targets, **params)
    ref = theirs(model, name, layers, targets, their_transform, **(their_options or {}))
    if len(layers) == 1:
        mine = aggregated([per_layer(raw)])
        unscaled = None
    else:  # ours is combined already: only aggregate_multi_layers' last scaling is left
        mine = scale_cam_image(raw)
        unscaled = float(np.abs(raw - ref).max())
    flat = ref.reshape(len(ref), -1)
    answer["cases"]["%s/%s" % (key, name)] = {
        "diff": float(np.abs(mine - ref).max()),
        "unscaled_diff": unscaled,
        "shape": list(raw.shape),
        "theirs_min": flat.min(1).tolist(),
        "theirs_max": flat.max(1).tolist(),
        "seconds": time.perf_counter() - start,
    }


def default_layer(key, model, targets):
    # Our Grad-CAM without layer=, and the layer it recorded.
    raw = methods.grad_cam(model, images, targets)
    answer["default_layers"][key] = method_params("grad_cam", model=model)["layer"]
    return raw


def build(seed, make):
    torch.manual_seed(seed)
    return make().eval()


# 1. A small CNN: its last conv block (the ReLU "7", 16 x 16), then layers "4" and "7".
start = time.perf_counter()
cnn = build(
    1,
    lambda: torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(16, 10),
    ),
)
CNN_TARGETS = [3, 7]
for name in PAIRS:
    compare("cnn", cnn, name, CNN_TARGETS, "7")
for name in PAIRS:
    compare("cnn_layers", cnn, name, CNN_TARGETS, None, layers=["4", "7"])
default_layer("cnn", cnn, CNN_TARGETS)
# AblationCAM's own AblationLayer sets a channel to 0 only where the layer's output (of
# the image, repeated) has the minimum 0: after a ReLU, as "4" and "7".
with torch.no_grad():
    answer["ablation_minimum"] = [
        float(torch.nn.Sequential(*cnn[: int(layer) + 1])(images[i : i + 1]).min())
        for layer in ("4", "7")
        for i in range(len(images))
    ]
answer["seconds"]["cnn"] = time.perf_counter() - start

# 2. timm's ViT-Tiny at 64 x 64: 1 class token + 4 x 4 patches of 192 channels.
start = time.perf_counter()
vit = build(
    2,
    lambda: timm.create_model(
        "vit_tiny_patch16_224", pretrained=False, img_size=64, num_classes=10
    ),
)
VIT_TARGETS = [9, 0]


def vit_reshape(tensor, height=4, width=4):
    # pytorch-grad-cam's ViT tutorial (vit_example.py), at this size.
    result = tensor[:, 1:, :].reshape(tensor.size(0), height, width, tensor.size(2))
    return result.transpose(2, 3).transpose(1, 2)


def vit_16(tensor):
    return vit_reshape(tensor)[:, 32:48]


for name in GRADIENTS:
    compare("vit", vit, name, VIT_TARGETS, "blocks.11.norm1", vit_reshape)
    compare(
        "vit_rt",
        vit,
        name,
        VIT_TARGETS,
        "blocks.11.norm1",
        vit_reshape,
        reshape_transform=vit_reshape,
    )
compare("vit", vit, "score_cam", VIT_TARGETS, "blocks.11.norm1", vit_reshape)
compare(
    "vit_rt16", vit, "score_cam", VIT_TARGETS, "blocks.11.norm1", vit_16, reshape_transform=vit_16
)
# Ablation-CAM: 192 channels, 384 forwards a side; pytorch-grad-cam with the zeroing
# layer (its AblationLayerVit would set the channel to min - 1e7 on this layer norm).
compare(
    "vit",
    vit,
    "ablation_cam",
    [9, 9],
    "blocks.11.norm1",
    vit_reshape,
    {"ablation_layer": ZeroingAblationLayer()},
)
raw = default_layer("vit", vit, VIT_TARGETS)
ref = theirs(vit, "grad_cam", [answer["default_layers"]["vit"]], VIT_TARGETS, vit_reshape)
answer["cases"]["vit_default/grad_cam"] = {
    "diff": float(np.abs(aggregated([per_layer(raw)]) - ref).max()),
    "shape": list(raw.shape),
    "theirs_min": ref.reshape(2, -1).min(1).tolist(),
    "theirs_max": ref.reshape(2, -1).max(1).tolist(),
}
answer["seconds"]["vit"] = time.perf_counter() - start

# 3. timm's Swin-T at 64 x 64: its last stage is channels last, [N, 2, 2, 768].
start = time.perf_counter()
swin = build(
    3,
    lambda: timm.create_model(
        "swin_tiny_patch4_window7_224", pretrained=False, img_size=64, num_classes=10
    ),
)
SWIN_TARGETS = [9, 4]


def swin_reshape(tensor):
    return tensor.permute(0, 3, 1, 2)


def swin_16(tensor):
    return swin_reshape(tensor)[:, :16]


for name in GRADIENTS:
    compare("swin", swin, name, SWIN_TARGETS, "layers.3", swin_reshape)
compare(
    "swin_rt16", swin, "score_cam", SWIN_TARGETS, "layers.3", swin_16, reshape_transform=swin_16
)
raw = default_layer("swin", swin, SWIN_TARGETS)
ref = theirs(swin, "grad_cam", [answer["default_layers"]["swin"]], SWIN_TARGETS, swin_reshape)
answer["cases"]["swin_default/grad_cam"] = {
    "diff": float(np.abs(aggregated([per_layer(raw)]) - ref).max()),
    "shape": list(raw.shape),
    "theirs_min": ref.reshape(2, -1).min(1).tolist(),
    "theirs_max": ref.reshape(2, -1).max(1).tolist(),
}
answer["default_layers"]["swin_norm_shape"] = list(swin.forward_features(images).shape)
answer["seconds"]["swin"] = time.perf_counter() - start

# 4. The same Swin, smaller (the same code and layer names, some 20 times fewer
# weights): every method, Score-CAM on all 256 channels of its last stage.
start = time.perf_counter()
small = build(
    3,
    lambda: timm.create_model(
        "swin_tiny_patch4_window7_224",
        pretrained=False,
        img_size=64,
        num_classes=10,
        embed_dim=32,
        depths=(1, 1, 2, 1),
        num_heads=(1, 2, 4, 8),
    ),
)
SMALL_TARGETS = [4, 7]
for name in PAIRS:
    if name != "ablation_cam":
        compare("swin_small", small, name, SMALL_TARGETS, "layers.3", swin_reshape)
# Ablation-CAM (256 channels), with other targets: its maps of [4, 7] are all zero.
# Swin-T's 768 channels (1,536 forwards a side) are left out.
compare(
    "swin_small",
    small,
    "ablation_cam",
    [0, 9],
    "layers.3",
    swin_reshape,
    {"ablation_layer": ZeroingAblationLayer()},
)

# Eigen-Grad-CAM's projection there: ours (`cam.first_component`, float64) and theirs
# (`get_2d_projection`, float32) on their own activations times gradients, before the
# rectification; and a float32 replica of theirs on our layout (channels last).
with EigenGradCAM(small, [small.get_submodule("layers.3")], swin_reshape) as cam:
    cam(images, [ClassifierOutputTarget(k) for k in SMALL_TARGETS])
    product = cam.activations_and_grads.activations[0] * cam.activations_and_grads.gradients[0]
product = product.numpy()
their_projection = get_2d_projection(product).reshape(2, -1)
last = product.transpose(0, 2, 3, 1).reshape(2, -1, product.shape[1])
our_projection = first_component(last[:, None], sign_correction=False).reshape(2, -1)
centred = last - last.mean(axis=1, keepdims=True)  # float32, as get_2d_projection
replica = np.einsum("npc,nc->np", centred, np.linalg.svd(centred, full_matrices=True)[2][:, 0])
wide = last.astype(np.float64)
wide -= wide.mean(axis=1, keepdims=True)  # as first_component
answer["eigen_sign"] = {
    "scale": float(np.abs(their_projection).max()),
    "same_sign_diff": np.abs(our_projection - their_projection).max(1).tolist(),
    "opposite_sign_diff": np.abs(our_projection + their_projection).max(1).tolist(),
    "float32_replica_diff": float(np.abs(replica - their_projection).max()),
    "singular_values_float32": np.linalg.svd(centred, compute_uv=False).tolist(),
    "singular_values_float64": np.linalg.svd(wide, compute_uv=False).tolist(),
}
answer["seconds"]["swin_small"] = time.perf_counter() - start

# 5. FullGrad, scale="channel", against pytorch-grad-cam's FullGrad (every Conv2d and
# BatchNorm2d with a bias, a BN's effective bias in evaluation); its maps are the sum,
# scaled by `aggregate_multi_layers`' scale_cam_image, no rectification. Fresh batch
# norms add nothing (mean 0, variance 1, weight 1, bias 0), so their statistics are
# drawn at random.
start = time.perf_counter()


def random_statistics(model):
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    return model


def full_grad_case(key, model, targets):
    raw = methods.full_grad(model, images, targets, scale="channel")
    with FullGrad(model, []) as cam:
        ref = cam(images, [ClassifierOutputTarget(k) for k in targets])
    answer["cases"]["%s/full_grad" % key] = {
        "diff": float(np.abs(scale_cam_image(raw) - ref).max()),
        "shape": list(raw.shape),
        "theirs_min": ref.reshape(len(ref), -1).min(1).tolist(),
        "theirs_max": ref.reshape(len(ref), -1).max(1).tolist(),
    }


bn = build(
    4,
    lambda: random_statistics(
        torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, padding=1),
            torch.nn.BatchNorm2d(8),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3, padding=1, bias=False),
            torch.nn.BatchNorm2d(16),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(16, 16, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1),
            torch.nn.Flatten(),
            torch.nn.Linear(16, 10),
        )
    ),
)
full_grad_case("fullgrad_bn", bn, CNN_TARGETS)
# torchvision's ResNet-18: its ReLUs are in place (and `out += identity` too), so the
# outputs of bn1 and bn2 in every block are overwritten after their forward hooks.
rn = build(5, lambda: random_statistics(resnet18(weights=None, num_classes=10)))
full_grad_case("fullgrad_resnet18", rn, CNN_TARGETS)
for module in rn.modules():
    if isinstance(module, torch.nn.ReLU):
        module.inplace = False
full_grad_case("fullgrad_resnet18_copying_relu", rn, CNN_TARGETS)
answer["seconds"]["full_grad"] = time.perf_counter() - start

# 6. The default layer of more models (our Grad-CAM without layer=), its map's shape,
# and that map against pytorch-grad-cam's Grad-CAM on the layer each should be.
start = time.perf_counter()


def tokens(leading):
    def transform(tensor):  # [N, leading + 16, C] -> [N, C, 4, 4]
        grid = tensor[:, leading:, :].reshape(tensor.size(0), 4, 4, tensor.size(2))
        return grid.permute(0, 3, 1, 2)

    return transform


def torchvision_vit():
    model = VisionTransformer(
        image_size=64,
        patch_size=16,
        num_layers=2,
        num_heads=2,
        hidden_dim=64,
        mlp_dim=128,
        num_classes=10,
    )
    torch.nn.init.normal_(model.heads.head.weight, std=0.1)  # zeros: every map 0
    return model


MORE = {
    # key: (seed, model, targets, [(expected layer, its reshape_transform), ...])
    "deit": (
        6,
        lambda: timm.create_model(
            "deit_tiny_distilled_patch16_224", pretrained=False, img_size=64, num_classes=10
        ),
        [2, 8],
        [("blocks.11.norm1", tokens(2))],
    ),
    "convnext": (
        7,
        lambda: timm.create_model("convnext_atto", pretrained=False, num_classes=10),
        [3, 2],
        [("stages.3", None)],
    ),
    "resnet18": (
        8,
        lambda: resnet18(weights=None, num_classes=10),
        [1, 5],
        [("layer4", None), ("layer4.1.bn2", None)],
    ),
    "tv_vit": (9, torchvision_vit, [4, 6], [("encoder.layers.encoder_layer_1.ln_1", tokens(1))]),
    "swin_t": (
        10,
        lambda: swin_t(weights=None, num_classes=10),
        [0, 4],
        [("norm", swin_reshape), ("permute", None)],
    ),
}
for key, (seed, make, targets, expected) in MORE.items():
    model = build(seed, make)
    raw = methods.grad_cam(model, images, targets)
    mine = aggregated([per_layer(raw)])
    found = answer["more_default_layers"][key] = {
        "layer": method_params("grad_cam", model=model)["layer"],
        "shape": list(raw.shape),
        "diff": {},
    }
    for layer, transform in expected:
        ref = theirs(model, "grad_cam", [layer], targets, transform)
        found["diff"][layer] = float(np.abs(mine - ref).max())
        found.setdefault("theirs_min", ref.reshape(2, -1).min(1).tolist())
        found.setdefault("theirs_max", ref.reshape(2, -1).max(1).tolist())
    hook = model.get_submodule(found["layer"]).register_forward_hook(
        lambda module, args, output: found.__setitem__("output", list(output.shape))
    )
    with torch.no_grad():
        model(images)
    hook.remove()
answer["seconds"]["more_default_layers"] = time.perf_counter() - start
answer["seconds"]["total"] = time.perf_counter() - START
print(json.dumps(answer))
"""

METHODS = (
    "grad_cam",
    "hires_cam",
    "grad_cam_elementwise",
    "grad_cam_plus_plus",
    "xgrad_cam",
    "layer_cam",
    "score_cam",
    "eigen_cam",
    "eigen_grad_cam",
    "ablation_cam",
)
GRADIENT_METHODS = tuple(m for m in METHODS if m not in ("score_cam", "ablation_cam"))

# FullGrad on torchvision's ResNet-18, whose ReLUs work in place (see the module's
# docstring): what tensorboard_plugin_saliency/torch/torch_model.py would have to change.
CASES = (
    [("cnn", m) for m in METHODS]
    + [("cnn_layers", m) for m in METHODS]
    + [("vit", m) for m in GRADIENT_METHODS + ("ablation_cam",)]
    + [("vit_rt", m) for m in GRADIENT_METHODS]
    + [("vit_rt16", "score_cam"), ("vit_default", "grad_cam")]
    + [("swin", m) for m in GRADIENT_METHODS]
    + [("swin_rt16", "score_cam"), ("swin_default", "grad_cam")]
    + [("swin_small", m) for m in METHODS]
    + [("fullgrad_bn", "full_grad"), ("fullgrad_resnet18_copying_relu", "full_grad")]
    + [("fullgrad_resnet18", "full_grad")]
)
SHAPES = {
    "cnn": [2, 16, 16],
    "cnn_layers": [2, 64, 64],
    "vit": [2, 4, 4],
    "swin": [2, 2, 2],
    "fullgrad": [2, 64, 64],
}


@pytest.fixture(scope="module")
def measured():
    answer = json.loads(run_vision(SOURCE).strip().splitlines()[-1])
    assert answer["versions"]["torch"].startswith("2.14.1")
    assert "/vision/" in answer["versions"]["grad_cam"]
    print("\nseconds: %s" % {k: round(v, 1) for k, v in answer["seconds"].items()})
    for key, case in answer["cases"].items():
        print(
            "%-34s max |ours - theirs| %.2e  unscaled %s  %.2f s"
            % (key, case["diff"], case.get("unscaled_diff"), case.get("seconds", 0))
        )
    print(json.dumps(answer["eigen_sign"]))
    for key, found in answer["more_default_layers"].items():
        print("%-9s default layer %s %s: %s" % (key, found["layer"], found["shape"], found["diff"]))
    return answer


def _param(model, method, marks=()):
    return pytest.param(model, method, id="%s/%s" % (model, method), marks=marks)


@needs_vision
@pytest.mark.parametrize(
    "model,method",
    [_param(*case) for case in CASES],
)
def test_raw_maps_equal_grad_cam_after_its_post_processing(measured, model, method):
    case = measured["cases"]["%s/%s" % (model, method)]
    # A real map on their side in every image, not all zeros: [0, 1] after scaling.
    assert all(high > 0.99 for high in case["theirs_max"]), case
    assert all(low < 0.01 for low in case["theirs_min"]), case
    assert case["shape"] == SHAPES[model if model in SHAPES else model.partition("_")[0]]
    assert case["diff"] <= ATOL, case


@needs_vision
def test_default_layers(measured):
    """Without `layer=`: the CNN's last conv block (its ReLU), the ViT's last
    attention's input (with a class token, its patch tokens still receive gradient
    there), and Swin's final norm (the last token map before the pooling, [N, 2, 2, C]
    channels last); each map equals pytorch-grad-cam's on that layer (above)."""
    layers = measured["default_layers"]
    assert layers["cnn"] == "7"
    assert layers["vit"] == "blocks.11.norm1"
    assert layers["swin"] == "norm"
    assert layers["swin_norm_shape"] == [2, 2, 2, 768]


@needs_vision
def test_ablation_zeroes_as_grad_cam_does_after_a_relu(measured):
    """pytorch-grad-cam's own AblationLayer (on the CNN) sets a channel to 0, as ours
    and the paper do, only where the layer's minimum is 0; after a ReLU it is."""
    assert measured["ablation_minimum"] == [0.0] * 4


@needs_vision
@pytest.mark.parametrize(
    "model,layer,shape",
    [
        # DeiT: a class and a distillation token before the 4 x 4 patches.
        ("deit", "blocks.11.norm1", [2, 4, 4]),
        # ConvNeXt: `stages`, the outermost container that returns its last stage's
        # output (stages.3's, its last block's).
        ("convnext", "stages", [2, 2, 2]),
        ("tv_vit", "encoder.layers.encoder_layer_1.ln_1", [2, 4, 4]),
        # torchvision's Swin-T: `permute`, the final norm's output [N, 2, 2, 768] moved
        # to channels first ([N, 768, 2, 2]) for the pooling: the same map as `norm`'s.
        ("swin_t", ("norm", "permute"), [2, 2, 2]),
    ],
)
def test_default_layers_of_more_models(measured, model, layer, shape):
    found = measured["more_default_layers"][model]
    assert found["layer"] in ((layer,) if isinstance(layer, str) else layer), found
    assert found["shape"] == shape, found
    assert all(high > 0.99 for high in found["theirs_max"]), found
    assert all(low < 0.01 for low in found["theirs_min"]), found
    # Equal to pytorch-grad-cam's Grad-CAM on the layer it should be (the first listed
    # in MORE), read with its reshape_transform.
    assert all(diff <= ATOL for diff in found["diff"].values()), found


@needs_vision
def test_resnet18_default_map_is_its_last_blocks(measured):
    """torchvision's ResNet-18: the map is layer4's (its last block's output)."""
    found = measured["more_default_layers"]["resnet18"]
    assert found["shape"] == [2, 2, 2]
    assert found["output"] == [2, 512, 2, 2]
    assert found["diff"]["layer4"] <= ATOL, found


@needs_vision
def test_resnet18_default_layer_is_named_as_its_last_block(measured):
    found = measured["more_default_layers"]["resnet18"]
    assert found["layer"] == "layer4", found
