"""Shared fixtures; puts `tests/` on the path so tests import `helpers`."""

import os
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(__file__))

from helpers import saliency_logdir  # noqa: E402


@pytest.fixture(scope="session")
def written(tmp_path_factory):
    """`(logdir, expected)`: the standard test log directory (`helpers.saliency_logdir`),
    written once per session and only read by the tests."""
    logdir = str(tmp_path_factory.mktemp("logdir"))
    return logdir, saliency_logdir.write_logdir(logdir)
