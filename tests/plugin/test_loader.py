"""`SaliencyLoader.fix_flags`: the default steps kept per tag, and the user's override."""

import pytest
from tensorboard import default, program
from tensorboard.plugins import base_plugin

from tensorboard_plugin_saliency import plugin
from tensorboard_plugin_saliency.plugin import blobs


def configure(*args):
    tb = program.TensorBoard(plugins=default.get_plugins() + [plugin.SaliencyLoader])
    tb.configure(argv=["tensorboard", "--logdir", "/tmp/nowhere", *args])
    return tb.flags


def test_default_samples():
    flags = configure()
    assert flags.samples_per_plugin["saliency"] == plugin.DEFAULT_SAMPLES_PER_TAG
    assert plugin.DEFAULT_SAMPLES_PER_TAG == 0  # every step: records are small
    assert blobs.BlobReader(None, flags.samples_per_plugin["saliency"]).downsample > 10**6


@pytest.mark.parametrize("value", [0, 3, 1000])
def test_user_value_wins(value):
    flags = configure("--samples_per_plugin=saliency=%d" % value)
    assert flags.samples_per_plugin["saliency"] == value


def test_other_plugins_untouched():
    flags = configure("--samples_per_plugin=images=7")
    assert flags.samples_per_plugin == {"images": 7, "saliency": plugin.DEFAULT_SAMPLES_PER_TAG}


@pytest.mark.parametrize("hint,expected", [(None, blobs.ALL_STEPS), (0, blobs.ALL_STEPS), (7, 7)])
def test_plugin_reads_the_hint(hint, expected):
    hints = {} if hint is None else {"saliency": hint}
    context = base_plugin.TBContext(data_provider=None, sampling_hints=hints)
    instance = plugin.SaliencyLoader().load(context)
    assert instance._data.reader.downsample == expected
    assert not instance.is_active()


def test_entry_point_registered():
    from importlib import metadata as importlib_metadata

    points = importlib_metadata.entry_points(group="tensorboard_plugins")
    saliency = [p for p in points if p.name == "saliency"]
    assert saliency and saliency[0].load() is plugin.SaliencyLoader
