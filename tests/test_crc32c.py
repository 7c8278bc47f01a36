import os

import pytest
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as reference

from tensorboard_plugin_saliency import crc32c


def test_check_value():
    assert crc32c.crc32c(b"123456789") == 0xE3069283


@pytest.mark.parametrize("length", [0, 1, 7, 63, 64, 65, 127, 129, 1000, 4097, 65537])
def test_matches_tensorboard_reference(length):
    data = os.urandom(length)
    assert crc32c.masked_crc32c(data) == reference(data)
