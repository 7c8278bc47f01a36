"""Load: 32 concurrent clients against a real tensorboard, beside the images plugin.

Both plugins serve the same pictures (run `images`: 10 steps of 3 RGB 48x64 images;
the saliency tag adds one 48x64 mask per image). Each client loops over its plugin's
JSON routes and blobs for a fixed time, one new HTTP connection per request (as
urllib does), and records every latency and status. Zero errors are required;
latencies and throughput are reported for both plugins under the same load.

- saliency: `/tags`, `/steps`, `/sample` (JSON) and `/blob` of images and masks;
- images:   `/tags`, `/images` (JSON) and `/individualImage` (blobs).
"""

import threading
import time
import urllib.parse

from helpers import tb_process

from tests.reliability.common import Result, percentile

CLIENTS = 32
RUN = "images"


def saliency_urls(base_url):
    p = "/data/plugin/saliency/"
    q = urllib.parse.urlencode
    steps = tb_process.fetch_json(base_url + p + "steps?" + q({"run": RUN, "tag": "saliency/load"}))
    json_urls = [p + "tags", p + "steps?" + q({"run": RUN, "tag": "saliency/load"})]
    blob_urls = []
    for s in steps:
        for i in range(s["samples"]):
            url = (
                p
                + "sample?"
                + q({"run": RUN, "tag": "saliency/load", "step": s["step"], "sample": i})
            )
            json_urls.append(url)
            sample = tb_process.fetch_json(base_url + url)
            blob_urls.append(p + sample["image"]["url"])
            blob_urls += [p + m["url"] for m in sample["masks"]]
    return json_urls, blob_urls


def images_urls(base_url):
    p = "/data/plugin/images/"
    q = urllib.parse.urlencode
    json_urls, blob_urls = [p + "tags"], []
    for i in range(3):
        url = p + "images?" + q({"run": RUN, "tag": "images/load", "sample": i})
        json_urls.append(url)
        for entry in tb_process.fetch_json(base_url + url):
            blob_urls.append(p + "individualImage?" + entry["query"])
    return json_urls, blob_urls


def hammer(base_url, json_urls, blob_urls, seconds, clients=CLIENTS):
    """`clients` threads for `seconds`; every other request a JSON route, else a blob."""
    records = []  # (kind, latency, status)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    start_gate = threading.Barrier(clients + 1)

    def client(k):
        mine = []
        i = k
        start_gate.wait()
        while time.perf_counter() < deadline:
            kind = "json" if i % 2 == 0 else "blob"
            urls = json_urls if kind == "json" else blob_urls
            url = urls[(i // 2) % len(urls)]
            i += 1
            t = time.perf_counter()
            try:
                status, _, body = tb_process.fetch(
                    base_url + url, timeout=60, headers={"Accept-Encoding": "gzip"}
                )
                if status == 200 and kind == "json" and not body:
                    status = -1
            except Exception as e:  # refused, reset, timed out: an error too
                status = "%s" % type(e).__name__
            mine.append((kind, time.perf_counter() - t, status))
        with lock:
            records.extend(mine)

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    begin = time.perf_counter()
    for t in threads:
        t.join()
    took = time.perf_counter() - begin
    stats = {
        "requests": len(records),
        "seconds": took,
        "errors": [r for r in records if r[2] != 200],
        "rps": len(records) / took,
    }
    for kind in ("json", "blob"):
        lat = [r[1] for r in records if r[0] == kind]
        stats[kind] = (percentile(lat, 50), percentile(lat, 99), len(lat))
    return stats


def _figures(stats):
    j, b = stats["json"], stats["blob"]
    return (
        "%d req, %d errors; JSON p50 %.0f / p99 %.0f ms; blobs p50 %.0f / p99 %.0f ms; "
        "%.0f req/s"
        % (
            stats["requests"],
            len(stats["errors"]),
            j[0] * 1e3,
            j[1] * 1e3,
            b[0] * 1e3,
            b[1] * 1e3,
            stats["rps"],
        )
    )


def run(base_url, backend, seconds=5.0):
    """Two rows: the saliency plugin's figures and the images plugin's under the same load."""
    results = []
    for name, urls in (("saliency", saliency_urls), ("images (reference)", images_urls)):
        json_urls, blob_urls = urls(base_url)
        stats = hammer(base_url, json_urls, blob_urls, seconds)
        problems = [str(e) for e in stats["errors"][:20]]
        ok = not stats["errors"] and stats["requests"] > 0 if name == "saliency" else True
        results.append(
            Result(
                "load %d clients %.0fs: %s" % (CLIENTS, seconds, name),
                backend,
                _figures(stats),
                ok,
                problems,
            )
        )
    return results
