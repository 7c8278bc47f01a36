"""The CAM family on vision transformers, Keras and PyTorch: token sequences laid out
as grids, class tokens dropped, the default layer, `tokens=`, `reshape_transform=`
and `layers=`."""

import numpy as np
import pytest
import torch

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import layer_choice, registry
from tensorboard_plugin_saliency.torch import methods as torch_methods
from tests.methods import vit_testing

CAMS = ("grad_cam", "grad_cam_plus_plus", "layer_cam", "score_cam", "eigen_cam", "hires_cam")


def _images(n=2, size=(16, 16), seed=0):
    return np.random.default_rng(seed).uniform(size=(n, *size, 3)).astype(np.float32)


def _first_chw(images):
    return torch.from_numpy(images.transpose(0, 3, 1, 2).copy())


@pytest.mark.parametrize(
    "count, image_hw, expected",
    [
        (197, (224, 224), (14, 14, 1)),  # ViT-B/16 with its class token
        (198, (224, 224), (14, 14, 2)),  # DeiT: class and distillation tokens
        (201, (224, 224), (14, 14, 5)),  # a class token and 4 registers
        (196, (224, 224), (14, 14, 0)),  # pooled tokens
        (33, (64, 128), (4, 8, 1)),  # a wide image
        (33, (128, 64), (8, 4, 1)),  # a tall one
        (17, None, (4, 4, 1)),  # no image size: square
        (7, (16, 16), None),  # nothing of the image's aspect
    ],
)
def test_token_grids_follow_the_image(count, image_hw, expected):
    assert layer_choice.token_grid(count, image_hw) == expected


def test_tokens_override_the_guess_and_are_checked():
    assert layer_choice.token_grid(17, (16, 16), (2, 8)) == (2, 8, 1)
    assert layer_choice.token_grid(17, (16, 16), (4, 4, 1)) == (4, 4, 1)
    assert layer_choice.token_grid(17, (16, 16), (4, 4, 0)) is None
    for bad in [(4,), (0, 4), (4, 4, -1), "4x4", (4.0, 4)]:
        with pytest.raises(ValueError, match=r"tokens: expected \(h, w\) or \(h, w, leading"):
            layer_choice.check_tokens(bad)


@pytest.mark.parametrize("class_token, layer", [(False, "norm"), (True, "norm1_1")])
def test_keras_vit_default_layer_and_grid(class_token, layer):
    model = vit_testing.keras_vit(class_token=class_token)
    assert methods.grad_cam_layer(model).name == layer
    images = _images()
    maps = methods.grad_cam(model, images, [0, 1])
    assert maps.shape == (2, 4, 4)
    assert np.all(maps >= 0) and maps.max() > 0
    # The class token is dropped: the map is the grid tokens' own Grad-CAM.
    sub = _keras_layer_model(model, layer)
    acts, grads = _keras_grads(sub, images, [0, 1])
    grid = acts[:, int(class_token) :].reshape(2, 4, 4, -1)
    grad_grid = grads[:, int(class_token) :].reshape(2, 4, 4, -1)
    expected = np.maximum(np.einsum("nhwc,nc->nhw", grid, grad_grid.mean(axis=(1, 2))), 0)
    np.testing.assert_allclose(maps, expected, rtol=1e-4, atol=1e-6 * expected.max())
    assert registry.method_params("grad_cam", model=model)["layer"] == layer


def _keras_layer_model(model, name):
    import keras

    return keras.Model(model.inputs, [model.get_layer(name).output, model.outputs[0]])


def _keras_grads(sub, images, classes):
    import tensorflow as tf

    x = tf.constant(images)
    with tf.GradientTape() as tape:
        acts, scores = sub(x)
        picked = tf.gather(scores, classes, batch_dims=1)
    return acts.numpy(), tape.gradient(picked, acts).numpy()


def test_the_issue_keras_vit_last_block_is_accepted():
    model = vit_testing.keras_vit()
    maps = methods.grad_cam(model, _images(), [0, 1], layer="norm2_1")
    assert maps.shape == (2, 4, 4)


def test_torch_vit_default_layer_is_the_last_attention_input():
    model = vit_testing.torch_vit(class_token=True)
    images = _images()
    maps = torch_methods.grad_cam(model, _first_chw(images), [0, 1])
    assert maps.shape == (2, 4, 4) and maps.max() > 0
    assert registry.method_params("grad_cam", model=model)["layer"] == "blocks.1.norm1"
    # The last block's output: its grid tokens get no gradient when the class token
    # alone is classified, so its map is zero; the attention's input is not.
    late = torch_methods.grad_cam(model, _first_chw(images), [0, 1], layer="norm")
    assert np.all(late == 0)


def test_torch_vit_matches_a_hand_computed_grad_cam():
    model = vit_testing.torch_vit(class_token=True)
    images = _images()
    seen = []
    hook = model.blocks[1].norm1.register_forward_hook(lambda m, i, o: seen.append(o))
    scores = model(_first_chw(images))
    hook.remove()
    (grads,) = torch.autograd.grad(scores[[0, 1], [3, 4]].sum(), seen[0])
    acts = seen[0][:, 1:].detach().numpy().reshape(2, 4, 4, -1)
    grads = grads[:, 1:].numpy().reshape(2, 4, 4, -1)
    expected = np.maximum(np.einsum("nhwc,nc->nhw", acts, grads.mean(axis=(1, 2))), 0)
    maps = torch_methods.grad_cam(model, _first_chw(images), [3, 4])
    np.testing.assert_allclose(maps, expected, rtol=1e-4, atol=1e-6 * expected.max())


@pytest.mark.parametrize("name", CAMS)
def test_every_cam_runs_on_both_vits(name):
    params = {"max_n": 4} if name == "score_cam" else {}
    images = _images()
    keras_maps = getattr(methods, name)(vit_testing.keras_vit(class_token=True), images, **params)
    torch_maps = getattr(torch_methods, name)(vit_testing.torch_vit(), _first_chw(images), **params)
    for maps in (keras_maps, torch_maps):
        assert maps.shape == (2, 4, 4) and maps.dtype == np.float32
        assert np.all(np.isfinite(maps)) and np.all(maps >= 0)


def test_wide_images_give_wide_grids():
    images = _images(size=(16, 32))
    keras_maps = methods.grad_cam(vit_testing.keras_vit(image=(16, 32), class_token=True), images)
    model = vit_testing.torch_vit(image=(16, 32))
    torch_maps = torch_methods.grad_cam(model, _first_chw(images))
    assert keras_maps.shape == torch_maps.shape == (2, 4, 8)


def test_channels_last_token_maps_are_read_as_maps():
    model = vit_testing.torch_token_map_model()
    images = _first_chw(_images())
    maps = torch_methods.grad_cam(model, images, [0, 1])
    assert maps.shape == (2, 4, 4) and maps.max() > 0
    # The last stage's output, named as the container that returns it.
    assert registry.method_params("grad_cam", model=model)["layer"] == "stages"
    seen = []
    hook = model.stages[1].register_forward_hook(lambda m, i, o: seen.append(o))
    scores = model(images)
    hook.remove()
    (grads,) = torch.autograd.grad(scores[[0, 1], [0, 1]].sum(), seen[0])
    acts = seen[0].detach().numpy()
    expected = np.maximum(np.einsum("nhwc,nc->nhw", acts, grads.numpy().mean(axis=(1, 2))), 0)
    np.testing.assert_allclose(maps, expected, rtol=1e-4, atol=1e-6 * expected.max())


def test_tokens_and_reshape_transform_override_the_guess():
    model = vit_testing.torch_vit()
    images = _first_chw(_images())
    guessed = torch_methods.grad_cam(model, images, [0, 1])
    given = torch_methods.grad_cam(model, images, [0, 1], tokens=(4, 4, 1))
    np.testing.assert_array_equal(given, guessed)
    wide = torch_methods.grad_cam(model, images, [0, 1], tokens=(2, 8))
    assert wide.shape == (2, 2, 8)

    def reshape_transform(tensor):  # pytorch-grad-cam's ViT tutorial
        return tensor[:, 1:].reshape(tensor.size(0), 4, 4, tensor.size(2)).permute(0, 3, 1, 2)

    transformed = torch_methods.grad_cam(model, images, [0, 1], reshape_transform=reshape_transform)
    np.testing.assert_allclose(transformed, guessed, rtol=1e-6)
    provenance = registry.method_params(
        "grad_cam", model=model, tokens=(2, 8), reshape_transform=reshape_transform
    )
    assert provenance["tokens"] == [2, 8]
    assert provenance["reshape_transform"] == "reshape_transform"
    assert "tokens" not in registry.method_params("grad_cam", model=model)

    keras_model = vit_testing.keras_vit(class_token=True)
    keras_images = _images()
    keras_guess = methods.grad_cam(keras_model, keras_images, [0, 1])
    keras_given = methods.grad_cam(
        keras_model,
        keras_images,
        [0, 1],
        reshape_transform=lambda t: t[:, 1:].reshape(t.shape[0], 4, 4, t.shape[2]),
    )
    np.testing.assert_allclose(keras_given, keras_guess, rtol=1e-6)


def test_sequences_without_a_grid_get_a_clear_error():
    model = vit_testing.torch_vit()
    images = _first_chw(_images())
    with pytest.raises(ValueError, match=r"sequence of 17 tokens .* tokens=\(h, w, leading"):
        torch_methods.grad_cam(model, images, tokens=(3, 3, 1))
    with pytest.raises(ValueError, match=r"reshape_transform: expected a function returning"):
        torch_methods.grad_cam(model, images, reshape_transform=lambda t: t)
    with pytest.raises(TypeError, match=r"reshape_transform: expected a function"):
        torch_methods.grad_cam(model, images, reshape_transform="flat")


def test_layers_are_combined_as_pytorch_grad_cam_combines_them():
    model = vit_testing.torch_vit()
    images = _first_chw(_images())
    names = ["blocks.0.norm1", "blocks.1.norm1"]
    combined = torch_methods.grad_cam(model, images, [0, 1], layers=names)
    assert combined.shape == (2, 16, 16)
    each = [torch_methods.grad_cam(model, images, [0, 1], layer=name) for name in names]
    expected = layer_choice.combined(each, (16, 16))
    np.testing.assert_allclose(combined, expected, rtol=1e-6)
    # Each layer's map counts as much as the other's: scaled to [0, 1] first.
    for one in each:
        scaled = layer_choice.scaled(one)
        assert scaled.max() == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="layer and layers"):
        torch_methods.grad_cam(model, images, layer="norm", layers=names)
    with pytest.raises(ValueError, match="layers: expected a non-empty list"):
        torch_methods.grad_cam(model, images, layers="norm")
    provenance = registry.method_params("grad_cam", model=model, layers=names)
    assert provenance["layers"] == names and "layer" not in provenance
    blocks = [model.blocks[0].norm1, model.blocks[1].norm1]  # modules, recorded by name
    assert registry.method_params("grad_cam", model=model, layers=blocks)["layers"] == names


def test_vits_log_through_log_attributions_and_the_callback(tmp_path):
    """The issue's report: Grad-CAM on a ViT's last block through `log_attributions`
    gave "masks['grad_cam']: got one mask of shape (2, 192)"; the Keras callback
    logs a ViT's CAMs the same way."""
    from tensorboard_plugin_saliency import reader
    from tensorboard_plugin_saliency.callbacks import SaliencyCallback
    from tensorboard_plugin_saliency.torch import log_attributions

    images = _images()
    log_attributions(
        str(tmp_path / "torch"),
        vit_testing.torch_vit(),
        _first_chw(images),
        [0, 1],
        step=1,
        methods={"grad_cam": {"layer": "blocks.1.norm1"}, "score_cam": {"max_n": 4}},
    )
    (record,) = reader.read_saliency(str(tmp_path / "torch"))
    assert record.masks["grad_cam"].shape == record.masks["score_cam"].shape == (2, 4, 4)
    assert record.method_params["score_cam"]["layer"] == "blocks.1.norm1"

    model = vit_testing.keras_vit(class_token=True)
    callback = SaliencyCallback(
        str(tmp_path / "keras"), images, [0, 1], methods={"layer_cam": {"tokens": (4, 4, 1)}}
    )
    callback.set_model(model)
    callback.on_epoch_end(0)
    (record,) = reader.read_saliency(str(tmp_path / "keras"))
    assert record.masks["layer_cam"].shape == (2, 4, 4)
    assert record.method_params["layer_cam"]["layer"] == "norm1_1"
    assert record.method_params["layer_cam"]["tokens"] == [4, 4, 1]
