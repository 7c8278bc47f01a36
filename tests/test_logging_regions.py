"""Regions through the logging flow: `log_attributions`, the Keras callback and
`explain_dataset` store them with the images, score each mask's localisation against
the explained class's region, and write the means as scalars."""

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util.tensor_util import make_ndarray as tf_make_ndarray

from tensorboard_plugin_saliency import reader
from tensorboard_plugin_saliency.faithfulness.localisation import NAMES
from tensorboard_plugin_saliency.regions import Regions

N, H, W, CLASSES = 4, 12, 12, 3


def _label_maps():
    """Class 0 top-left, class 1 bottom-right; image 3 has no class-2 pixels."""
    maps = np.full((N, H, W), -1, np.int64)
    maps[:, :6, :6] = 0
    maps[:, 6:, 6:] = 1
    maps[:3, :3, 9:] = 2
    return maps


TRUE = np.array([0, 1, 2, 2])


def _scalars(logdir):
    accumulator = event_accumulator.EventAccumulator(str(logdir))
    accumulator.Reload()
    return {
        tag: [float(tf_make_ndarray(e.tensor_proto)) for e in accumulator.Tensors(tag)]
        for tag in accumulator.Tags()["tensors"]
        if "/localisation/" in tag or "/faithfulness/" in tag
    }


def _check_record(record, mask_names):
    assert [r.kind for r in record.regions] == ["labels"] * N
    assert np.array_equal(record.regions[1].mask, _label_maps()[1] + 1)
    for name in mask_names:
        scores = record.scores[name]
        for score in NAMES:
            values = scores[score]
            assert np.isfinite(values[:3]).all() and np.isnan(values[3]), (name, score)
            assert np.isfinite(scores[score + "_random"][:3]).all()


def _check_scalars(logdir, tag, mask_names, record):
    scalars = _scalars(logdir)
    for name in mask_names:
        for score in ("pointing_game", "mass_ratio", "relevance_rank_random"):
            (value,) = scalars["%s/localisation/%s/%s" % (tag, name, score)]
            assert value == pytest.approx(np.nanmean(record.scores[name][score]), abs=1e-6)


def _log_torch(logdir, **options):
    """`log_attributions` of a small PyTorch CNN's gradients and Grad-CAM."""
    import torch

    from tensorboard_plugin_saliency.torch import log_attributions

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 6, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(6, CLASSES),
    )
    images = torch.rand(N, 3, H, W, generator=torch.Generator().manual_seed(1))
    log_attributions(str(logdir), model, images, TRUE, methods=("gradients", "grad_cam"), **options)


def test_log_attributions_scores_localisation_against_the_true_class(tmp_path):
    _log_torch(tmp_path, step=2, regions=Regions(label_maps=_label_maps()))
    (record,) = reader.read_saliency(str(tmp_path))
    _check_record(record, ["gradients", "grad_cam"])
    assert set(record.scores["gradients"]) == {
        s for name in NAMES for s in (name, name + "_random")
    }
    _check_scalars(tmp_path, "saliency", ["gradients", "grad_cam"], record)


def test_the_keras_callback_logs_regions_and_localisation(tmp_path):
    import tensorflow as tf

    from tensorboard_plugin_saliency.callbacks import SaliencyCallback

    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((H, W, 3)),
            tf.keras.layers.Conv2D(6, 3, padding="same", activation="relu"),
            tf.keras.layers.GlobalAveragePooling2D(),
            tf.keras.layers.Dense(CLASSES),
        ]
    )
    images = np.random.default_rng(1).random((N, H, W, 3), np.float32)
    callback = SaliencyCallback(
        str(tmp_path),
        images,
        TRUE,
        methods=("gradients",),
        regions=Regions(label_maps=_label_maps(), boxes=[[[0, 0, 2, 2]], None, None, None]),
        faithfulness={"localisation": {"tolerance": 1}},
    )
    callback.set_model(model)
    callback.log(step=1)
    callback.close()
    (record,) = reader.read_saliency(str(tmp_path))
    _check_record(record, ["gradients"])
    assert record.regions[0].boxes == ((0, 0, 2, 2, None),)
    _check_scalars(tmp_path, "saliency", ["gradients"], record)


def test_localisation_without_regions_is_refused():
    from tensorboard_plugin_saliency.faithfulness import logged

    with pytest.raises(ValueError, match="pass regions="):
        logged.settings(("deletion", "localisation"))
    assert logged.settings(("deletion",), regions=True) == {"deletion": {}, "localisation": {}}


def test_bad_regions_are_refused_before_anything_is_written(tmp_path):
    import tensorflow as tf

    from tensorboard_plugin_saliency.callbacks import SaliencyCallback

    images = np.zeros((N, H, W, 3), np.float32)
    with pytest.raises(ValueError, match=r"regions.label_maps\[0\]: expected shape \(12, 12\)"):
        SaliencyCallback(str(tmp_path), images, regions={"label_maps": np.zeros((N, 4, 4), int)})
    del tf
    assert not list(tmp_path.iterdir())


def test_road_is_logged_beside_deletion(tmp_path):
    _log_torch(
        tmp_path,
        step=1,
        faithfulness={"deletion": {"steps": 4}, "road": {"percentages": (20, 50, 80)}},
    )
    (record,) = reader.read_saliency(str(tmp_path))
    for name in ("gradients", "grad_cam"):
        scores = record.scores[name]
        assert scores["road_morf_curve"].shape == (N, 3)
        assert np.array_equal(
            scores["road_morf_random_auc"], record.scores["gradients"]["road_morf_random_auc"]
        )
        combined = (scores["road_lerf_curve"] - scores["road_morf_curve"]).mean(axis=1) / 2
        assert scores["road_combined"] == pytest.approx(combined, abs=1e-3)
        assert scores["deletion_curve"].shape == (N, 5)
    scalars = _scalars(tmp_path)
    assert "saliency/faithfulness/grad_cam/road_combined" in scalars
    assert "saliency/faithfulness/grad_cam/road_lerf_random_auc" in scalars
