"""A small thread-safe least-recently-used map, bounded in entries and/or bytes."""

import collections
import threading


class LRU:
    """Keeps the most recently used entries.

    Args:
      max_items: at most this many entries (None: no bound).
      max_bytes: at most this many bytes in all (None: no bound), each entry counting
        for the `size` it was put with, by default `len(value)`; a value larger than
        `max_item_bytes` is not kept at all.
    """

    def __init__(self, max_items=None, *, max_bytes=None, max_item_bytes=None):
        self._max_items = max_items
        self._max_bytes = max_bytes
        self._max_item_bytes = max_item_bytes
        self._bytes = 0
        self._items = collections.OrderedDict()  # key -> (value, size)
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            try:
                self._items.move_to_end(key)
            except KeyError:
                return default
            return self._items[key][0]

    def put(self, key, value, size=None):
        """Keeps `value` under `key`; `size`: the bytes it counts for (default
        `len(value)`, when the cache has a byte bound)."""
        if self._max_bytes is None:
            size = 0
        elif size is None:
            size = len(value)
        if self._max_item_bytes is not None and size > self._max_item_bytes:
            return
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            self._items[key] = (value, size)
            self._bytes += size
            while (self._max_items is not None and len(self._items) > self._max_items) or (
                self._max_bytes is not None and self._bytes > self._max_bytes
            ):
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def __contains__(self, key):
        with self._lock:
            return key in self._items

    def __len__(self):
        with self._lock:
            return len(self._items)
