"""The process's thread pools, made on first use (noise draws, segmentations, path
updates run on them while the model computes). Framework-free."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_POOLS = {}
_POOLS_LOCK = threading.Lock()


def thread_pool(name, max_workers=None):
    """The process's thread pool called `name`, made on first use.

    Args:
      name: the pool's name (also its threads' name prefix).
      max_workers: its size, used when the pool is made; default one per CPU.

    Returns:
      A `concurrent.futures.ThreadPoolExecutor`.
    """
    with _POOLS_LOCK:
        if name not in _POOLS:
            _POOLS[name] = ThreadPoolExecutor(
                max_workers=max_workers or os.cpu_count() or 1, thread_name_prefix=name
            )
        return _POOLS[name]
