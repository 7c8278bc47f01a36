"""The plugin's one cache."""

import threading

from tensorboard_plugin_saliency.plugin.lru import LRU


def test_entry_bound_drops_least_recently_used():
    cache = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3
    assert cache.get("b", "none") == "none"


def test_byte_bound():
    cache = LRU(max_bytes=10, max_item_bytes=6)
    cache.put("a", b"12345")
    cache.put("b", b"1234")
    cache.put("big", b"1234567")  # over the item bound: not kept, nothing dropped
    assert "big" not in cache and len(cache) == 2
    cache.put("c", b"123")  # 12 bytes: a goes
    assert "a" not in cache and "b" in cache and "c" in cache
    cache.put("b", b"1")  # replacing counts the new size only
    cache.put("d", b"123456")
    assert len(cache) == 3


def test_sizes_given_with_the_values():
    cache = LRU(10, max_bytes=100)
    cache.put("a", object(), size=60)
    cache.put("b", object(), size=30)
    assert len(cache) == 2
    cache.put("c", "x", size=20)  # 110 bytes: a goes
    assert "a" not in cache and "b" in cache and "c" in cache
    cache.put("b", "y", size=90)  # 110 again: the least recent, c, goes
    assert "c" not in cache and cache.get("b") == "y"


def test_threads():
    cache = LRU(50)

    def work(k):
        for i in range(2000):
            cache.put((k, i % 80), i)
            cache.get((k, (i * 7) % 80))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 50
