"""`tensorboard-saliency demo --model vit`: a small vision transformer (class token,
8x8 tokens) trained on the demo's shapes, its CAMs logged at the token grid in its own
runs (`vit/saliency`, `vit/keras`).

On the shapes the object's pixels are known, so the share of a map's mass on the
object, against the object's share of the image, says whether the map finds it (1 is
chance; the object covers about 7% of an image). LayerCAM does, on the layer Grad-CAM
reads by default (the layer norm feeding the last attention). Grad-CAM does not on
this ViT: see `test_grad_cam_mass_sits_on_the_object`. Training it takes about a
minute: the tests that need it are `slow` (`make reliability`, not `make test`).
"""

import numpy as np
import pytest

from tensorboard_plugin_saliency import cli, demo, demo_vit, methods, reader

MIN_MEAN_RATIO = 3.0  # as tests/test_demo.py asks of IG and SmoothGrad on the CNN
EPOCHS = 6  # the demo trains 8; 6 keep this test near a minute (0.93 accuracy already)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("vit-demo"))
    model, valid = demo.train(logdir, epochs=EPOCHS, verbose=0, model="vit")
    return logdir, model, valid


@pytest.fixture(scope="module")
def ratios(trained):
    _, model, valid = trained
    return demo.cam_ratios(model, valid, demo_vit.CAMS)


@pytest.mark.slow
def test_the_vit_learns_the_shapes(trained):
    _, model, valid = trained
    accuracy = (np.asarray(model(valid.images)).argmax(1) == valid.classes).mean()
    assert accuracy > 0.9, accuracy


@pytest.mark.slow
def test_it_logs_token_grids_in_its_own_run(trained):
    logdir, model, _ = trained
    records = reader.read_saliency(logdir)
    assert {(r.run, r.tag) for r in records} == {("vit/saliency", "validation/shapes")}
    assert [r.step for r in records] == list(range(1, EPOCHS + 1))
    last = records[-1]
    assert list(last.masks) == list(demo_vit.METHODS)
    for name in demo_vit.CAMS:
        assert last.masks[name].shape == (8, 8, 8), name  # 8 images, 48 / 6 tokens a side
    assert last.masks["integrated_gradients"].shape == (8, 48, 48)
    assert all(" · pred: " in label for label in last.labels)


@pytest.mark.slow
def test_the_recorded_layer_is_the_last_attentions_input(trained):
    import keras

    logdir, model, _ = trained
    record = reader.read_saliency(logdir, run="vit/saliency")[-1]

    # The model's layers run in order: the last attention's input is the layer before it.
    last = max(i for i, layer in enumerate(model.layers) if "attention" in layer.name)
    assert isinstance(model.layers[last], keras.layers.MultiHeadAttention)
    assert isinstance(model.layers[last - 1], keras.layers.LayerNormalization)
    feeding = model.layers[last - 1].name
    assert feeding == "norm1_%d" % (demo_vit.DEPTH - 1)
    assert methods.grad_cam_layer(model).name == feeding
    for name in demo_vit.CAMS:
        assert record.method_params[name]["layer"] == feeding, name


@pytest.mark.slow
def test_layer_cam_mass_sits_on_the_object(trained, ratios):
    ratio = ratios["layer_cam"]
    assert ratio.mean() > MIN_MEAN_RATIO, ratio.mean()
    assert np.median(ratio) > 2.0, np.median(ratio)
    # The maps as logged (8 images, last epoch), read back from the log directory.
    logdir, _, valid = trained
    last = reader.read_saliency(logdir, run="vit/saliency")[-1]
    logged = demo.object_mass_ratio(last.masks["layer_cam"], valid.masks[:8])
    assert logged.mean() > MIN_MEAN_RATIO, logged


@pytest.mark.slow
@pytest.mark.xfail(
    reason="Grad-CAM does not localise the object on this ViT (after 6 epochs 2.2x mean, "
    "0.4x median; the demo's 8: 2.5x, 1.0x, with a deletion AUC worse than a random "
    "order's) while LayerCAM, on the same layer, does: the gradient reaches only the "
    "tokens the class token attends to, and Grad-CAM averages it over the grid into one "
    "weight per channel, applied to every token's layer-normed features alike. Not a lack "
    "of training (1.9x after 40 epochs at 0.965 accuracy), nor the layer (the default is "
    "Grad-CAM's best here, the others reach 2.0x at most), nor upsampling (measured at "
    "the token grid).",
    strict=False,
)
def test_grad_cam_mass_sits_on_the_object(ratios):
    ratio = ratios["grad_cam"]
    assert ratio.mean() > MIN_MEAN_RATIO and np.median(ratio) > 2.0, (
        ratio.mean(),
        np.median(ratio),
    )


def test_object_mass_ratio_of_a_token_grid():
    """A cell's mass counts as spread over its pixels: a map on the cells the object
    covers scores the share of those cells' pixels that are the object."""
    objects = np.zeros((1, 48, 48), bool)
    objects[0, 6:15, 6:12] = True  # 54 pixels over two 6x6 cells: (1, 1) whole, (2, 1) half
    grid = np.zeros((1, 8, 8), np.float32)
    grid[0, 1, 1] = grid[0, 2, 1] = 1.0
    share = objects.mean()
    np.testing.assert_allclose(demo.object_mass_ratio(grid, objects), [54 / 72 / share])
    np.testing.assert_allclose(demo.object_mass_ratio(np.zeros_like(grid), objects), [0.0])
    with pytest.raises(ValueError, match="whole fraction"):
        demo.object_mass_ratio(np.ones((1, 7, 7)), objects)


def test_the_command_passes_the_model(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(demo, "run", lambda logdir, **options: seen.update(options))
    argv = ["demo", "--logdir", str(tmp_path), "--no-serve"]
    assert cli.main(argv + ["--model", "vit"]) == 0
    assert seen["model"] == "vit"
    assert cli.main(argv) == 0
    assert seen["model"] == "cnn"
    assert cli.main(argv + ["--model", "vgg"]) == 2
    assert cli.main(argv + ["--model", "vit", "--framework", "torch"]) == 2
