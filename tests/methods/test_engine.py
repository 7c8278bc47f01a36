"""The engine: chunks of one static shape, traced functions reused, pools made lazily."""

import os
import subprocess
import sys

import numpy as np

from tensorboard_plugin_saliency import methods
from tensorboard_plugin_saliency.methods import engine


def test_chunks_cover_every_row_once_in_equal_sizes():
    for total, batch_size in [(1, 64), (15, 4), (64, 64), (65, 64), (100, 7)]:
        parts = list(engine.chunks(total, batch_size))
        sizes = {len(rows) for rows, _ in parts}
        assert len(sizes) == 1 and sizes.pop() <= batch_size
        covered = np.concatenate([rows[valid] for rows, valid in parts])
        np.testing.assert_array_equal(covered, np.arange(total))


def test_traced_functions_are_reused(model, images):
    def tracing_counts():
        return {
            key: fn.experimental_get_tracing_count() for key, fn in engine.TRACED[model].items()
        }

    methods.integrated_gradients(model, images, steps=5, batch_size=4)
    methods.smoothgrad(model, images, nsamples=4, seed=0)
    before = tracing_counts()
    methods.integrated_gradients(model, images + 1, steps=5, batch_size=4)
    methods.integrated_gradients(model, images, [0, 1, 2], steps=5, batch_size=4)
    methods.smoothgrad(model, images, nsamples=4, seed=1)
    # Same shapes, new values: nothing retraces. (15 IG rows in chunks of <= 4
    # run as four chunks of 4, the last one padded: a single static shape.)
    assert tracing_counts() == before


def test_importing_starts_no_threads():
    code = (
        "import threading\n"
        "from tensorboard_plugin_saliency import methods\n"
        "from tensorboard_plugin_saliency.methods import engine\n"
        "assert not engine._POOLS, engine._POOLS\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_thread_pools_are_made_on_first_use_and_kept(model, images):
    methods.smoothgrad(model, images, nsamples=2, seed=0)
    pool = engine.thread_pool("smoothgrad-noise")
    assert pool is engine.thread_pool("smoothgrad-noise")
    assert {"smoothgrad-noise", "smoothgrad-next"} <= set(engine._POOLS)
