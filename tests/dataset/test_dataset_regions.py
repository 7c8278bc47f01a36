"""`explain_dataset(regions=)`: each part stores its images' regions, in the data's
order, and the step's localisation means are written as scalars."""

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util.tensor_util import make_ndarray

from tensorboard_plugin_saliency import reader
from tensorboard_plugin_saliency.dataset import explain_dataset
from tensorboard_plugin_saliency.regions import Regions

N, SIDE = 30, 10


def _model():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 2),
    )


def _regions():
    masks = np.zeros((N, SIDE, SIDE), bool)
    for i in range(N):
        masks[i, i % SIDE, :] = True  # row i % 10: each image's own region
    return Regions(masks=masks)


def test_regions_go_with_their_images_through_every_part(tmp_path):
    images = np.random.default_rng(0).random((N, 3, SIDE, SIDE), np.float32)
    labels = np.arange(N) % 2
    explain_dataset(
        _model(),
        (images, labels),
        logdir=str(tmp_path),
        methods=("gradients",),
        part_size=8,
        progress=False,
        regions=_regions(),
    )
    (record,) = reader.read_saliency(str(tmp_path))
    assert record.parts == (4, 4)
    order = [int(i) for i in record.ids]
    for row, image in enumerate(order):
        assert np.array_equal(record.regions[row].mask[image % SIDE], np.ones(SIDE)), row
        assert record.regions[row].mask.sum() == SIDE
    values = record.scores["gradients"]["relevance_rank"]
    assert np.isfinite(values).all()
    accumulator = event_accumulator.EventAccumulator(str(tmp_path))
    accumulator.Reload()
    (event,) = accumulator.Tensors("dataset/localisation/gradients/relevance_rank")
    assert float(make_ndarray(event.tensor_proto)) == pytest.approx(values.mean(), abs=1e-6)


def test_regions_of_a_stream_are_refused(tmp_path):
    images = np.zeros((N, 3, SIDE, SIDE), np.float32)
    stream = (images[i : i + 10] for i in range(0, N, 10))
    with pytest.raises(ValueError, match="regions: a stream's images cannot be matched"):
        explain_dataset(_model(), stream, logdir=str(tmp_path), progress=False, regions=_regions())
    with pytest.raises(
        ValueError, match=r"regions.masks: expected one entry per image of the data \(20\)"
    ):
        explain_dataset(
            _model(), images[:20], logdir=str(tmp_path), progress=False, regions=_regions()
        )
    assert not list(tmp_path.iterdir())
