"""Log directories and servers the reliability checks run against.

- `write_fuzz_logdir(path)`: the plugin tests' log directory (`saliency_logdir`:
  runs `train`, `eval`, `mixed` with a newer-format step and tag) plus a run `images`
  of `tf.summary.image`-style summaries beside a saliency tag of the same size, for
  the load comparison with the images plugin.
- `wsgi_client(logdir, backend)`: TensorBoard's own WSGI app with the plugin, over a
  data provider of either backend (no HTTP server).
- `process(logdir, backend)`: a real `tensorboard` on 127.0.0.1 (tb_process).
"""

import contextlib
import json
import os
import urllib.parse

import numpy as np
from helpers import saliency_logdir, tb_backends, tb_process

from tensorboard_plugin_saliency import event_writer, summary
from tests.reliability.common import LOAD_FAST, write_image_events

P = "/data/plugin/saliency/"
LOAD_STEPS = tuple(range(0, 100, 10))


def write_fuzz_logdir(logdir):
    expected = saliency_logdir.write_logdir(logdir)
    # Same images in both plugins: 3 RGB 48x64 per step, 10 steps.
    path = os.path.join(logdir, "images")
    with summary.SaliencyWriter(path) as writer:
        for step in LOAD_STEPS:
            rng = np.random.default_rng(1000 + step)
            images = rng.integers(0, 256, size=(3, 48, 64, 3), dtype=np.uint8)
            masks = {"grad": rng.standard_normal((3, 48, 64)).astype(np.float32)}
            writer.add("saliency/load", images, masks, step, walltime=1000.0 + step)
    writer = event_writer.EventFileWriter(path)
    write_image_events(writer, "images/load", LOAD_STEPS)
    writer.close()
    return expected


make_app = tb_backends.make_app
wsgi_client = tb_backends.wsgi_client


@contextlib.contextmanager
def process(logdir, backend, extra_args=(), **kwargs):
    with tb_process.tensorboard_process(
        logdir, load_fast=LOAD_FAST[backend], extra_args=extra_args, **kwargs
    ) as base_url:
        yield base_url


class WsgiGetter:
    """`get(path_and_query) -> (status, headers dict, body bytes)` over a WSGI client."""

    def __init__(self, client):
        self.client = client

    def __call__(self, url, headers=None):
        response = self.client.get(url, headers=headers or {})
        return response.status_code, dict(response.headers), response.get_data()


class HttpGetter:
    """The same over HTTP to a running tensorboard."""

    def __init__(self, base_url, timeout=30):
        self.base_url = base_url
        self.timeout = timeout

    def __call__(self, url, headers=None):
        status, headers_, body = tb_process.fetch(self.base_url + url, self.timeout, headers)
        return status, dict(headers_.items()), body


def discover(get):
    """What the API says is there: runs, tags, steps, masks, blob keys."""
    status, _, body = get(P + "tags")
    assert status == 200, body[:300]
    tags = json.loads(body)
    known = {
        "runs": sorted(tags),
        "tags": sorted({t for ts in tags.values() for t in ts}),
        "pairs": [(r, t) for r in sorted(tags) for t in sorted(tags[r])],
        "steps": set(),
        "masks": set(),
        "keys": [],
        "samples": {},
    }
    for run, tag in known["pairs"]:
        status, _, body = get(P + "steps?" + urllib.parse.urlencode({"run": run, "tag": tag}))
        if status != 200:
            continue
        steps = json.loads(body)
        known["steps"].update(s["step"] for s in steps)
        for s in steps[-3:]:
            query = urllib.parse.urlencode({"run": run, "tag": tag, "step": s["step"]})
            status, _, body = get(P + "sample?" + query)
            if status != 200:
                continue
            sample = json.loads(body)
            known["samples"][(run, tag, s["step"])] = sample
            known["keys"].append(sample["image"]["url"].split("key=", 1)[1])
            for m in sample["masks"]:
                known["masks"].add(m["name"])
                known["keys"].append(m["url"].split("key=", 1)[1])
    known["steps"] = sorted(known["steps"])
    known["masks"] = sorted(known["masks"])
    return known
