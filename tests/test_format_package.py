"""The stored format's modules live in `tensorboard_plugin_saliency.format`; their old
names import the same modules, so code written against them keeps working."""

import importlib

import pytest

MOVED = ("metadata", "manifest", "codec", "encoding", "assets")


@pytest.mark.parametrize("name", MOVED)
def test_the_old_module_name_is_the_same_module(name):
    old = importlib.import_module(f"tensorboard_plugin_saliency.{name}")
    new = importlib.import_module(f"tensorboard_plugin_saliency.format.{name}")
    assert old is new


def test_old_from_imports_give_the_same_objects():
    from tensorboard_plugin_saliency.format.manifest import Manifest
    from tensorboard_plugin_saliency.format.metadata import PLUGIN_NAME
    from tensorboard_plugin_saliency.manifest import Manifest as OldManifest
    from tensorboard_plugin_saliency.metadata import PLUGIN_NAME as OLD_NAME

    assert OldManifest is Manifest and OLD_NAME == PLUGIN_NAME == "saliency"
