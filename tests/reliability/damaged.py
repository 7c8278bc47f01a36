"""Damaged files: the plugin serves what is intact and says what it skipped.

One log directory, served through TensorBoard's WSGI app on both backends:

- `intact`: 3 good steps.
- `truncated`: 4 steps, the file cut in the middle of the last record (a writer
  killed mid-write): the first 3 must be served.
- `corrupt`: 5 steps, one byte of step 2's record flipped (its CRC no longer
  matches): the steps before it must be served (what comes after depends on the
  backend's reader; reported).
- `empty`: a zero-byte event file beside no data: no error anywhere.
- `future`: tag `new` in a newer plugin-data version (left out of /tags, 422 on
  /steps) and tag `sal` whose step 2 has a newer manifest (left out of /steps, 422
  on /sample with an "upgrade" message).
- `malformed`: tag `sal` whose step 1 has a manifest that is not JSON and step 2 a
  blob count that does not fit its manifest: step 2 is left out of /steps; both
  answer 422 on /sample, with a message saying what is wrong.

Every listed step's sample and blobs must answer 200, and the plugin must log a
warning naming what it skipped (newer format; malformed data).
"""

import glob
import json
import logging
import os
import time
import urllib.parse

import numpy as np
from helpers.saliency_logdir import blobs_pb
from tensorboard.compat.proto import event_pb2

from tensorboard_plugin_saliency.event_writer import EventFileWriter
from tensorboard_plugin_saliency.format import encoding, metadata
from tensorboard_plugin_saliency.summary import SaliencyWriter
from tests.reliability import sites
from tests.reliability.common import Result

P = sites.P


def _batch(step):
    rng = np.random.default_rng(step)
    return (
        rng.integers(0, 256, size=(2, 8, 8, 3), dtype=np.uint8),
        {"grad": rng.standard_normal((2, 8, 8)).astype(np.float32)},
    )


def _write_run(logdir, run, steps):
    path = os.path.join(logdir, run)
    with SaliencyWriter(path) as writer:
        for step in steps:
            images, masks = _batch(step)
            writer.add("sal", images, masks, step, walltime=1000.0 + step)
    return glob.glob(os.path.join(path, "events.out.tfevents.*"))[0]


def _records(path):
    """`[(offset, length)]` of the TFRecords in an event file."""
    data = open(path, "rb").read()
    out, at = [], 0
    while at < len(data):
        n = int.from_bytes(data[at : at + 8], "little")
        out.append((at, 8 + 4 + n + 4))
        at += 8 + 4 + n + 4
    return out


def write_damaged_logdir(logdir):
    _write_run(logdir, "intact", [0, 1, 2])
    path = _write_run(logdir, "truncated", [0, 1, 2, 3])
    offset, length = _records(path)[-1]
    with open(path, "r+b") as f:
        f.truncate(offset + length // 2)
    path = _write_run(logdir, "corrupt", [0, 1, 2, 3, 4])
    offset, length = _records(path)[3]  # record 0 is the file version; 3 is step 2
    data = bytearray(open(path, "rb").read())
    data[offset + length // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))
    os.makedirs(os.path.join(logdir, "empty"))
    open(os.path.join(logdir, "empty", "events.out.tfevents.0.empty"), "wb").close()

    writer = EventFileWriter(os.path.join(logdir, "future"))
    for step in (0, 1, 2):
        images, masks = _batch(step)
        blobs = encoding.encode_summary(images, masks)
        newer = json.loads(blobs[0])
        newer["version"] = metadata.FORMAT_VERSION + 1
        newer = [json.dumps(newer).encode()] + blobs[1:]
        writer.add_event(
            event_pb2.Event(
                step=step,
                wall_time=1.0 + step,
                summary=blobs_pb("sal", newer if step == 2 else blobs),
            )
        )
        writer.add_event(
            event_pb2.Event(
                step=step,
                wall_time=1.0 + step,
                summary=blobs_pb("new", newer, content_version=metadata.FORMAT_VERSION + 1),
            )
        )
    writer.close()

    writer = EventFileWriter(os.path.join(logdir, "malformed"))
    for step in (0, 1, 2, 3):
        images, masks = _batch(step)
        blobs = encoding.encode_summary(images, masks)
        if step == 1:
            blobs = [b"{not json"] + blobs[1:]
        if step == 2:
            blobs = blobs[:-1]
        writer.add_event(
            event_pb2.Event(step=step, wall_time=1.0 + step, summary=blobs_pb("sal", blobs))
        )
    writer.close()


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def run(workdir, backend):
    logdir = os.path.join(workdir, "damaged-%s" % backend)
    os.makedirs(logdir)
    write_damaged_logdir(logdir)
    logger = logging.getLogger("tensorboard_plugin_saliency")
    capture = _Capture()
    logger.addHandler(capture)
    old_level = logger.level
    logger.setLevel(logging.WARNING)
    problems, served, requests = [], {}, 0
    start = time.perf_counter()
    q = urllib.parse.urlencode
    try:
        with sites.wsgi_client(logdir, backend, samples=0) as client:
            get = sites.WsgiGetter(client)

            def expect(url, code, words=()):
                nonlocal requests
                requests += 1
                status, _, body = get(url)
                if status != code:
                    problems.append("%s -> %d (expected %d): %r" % (url, status, code, body[:200]))
                    return None
                elif code != 200:
                    message = json.loads(body)["error"]
                    if not all(w in message for w in words):
                        problems.append("%s: message %r lacks %r" % (url, message, words))
                return body

            tags = json.loads(expect(P + "tags", 200) or "{}")
            if "new" in tags.get("future", {}):
                problems.append("/tags lists a tag in a newer format")
            for run in sorted(tags):
                for tag in sorted(tags[run]):
                    steps = [
                        s["step"]
                        for s in json.loads(
                            expect(P + "steps?" + q({"run": run, "tag": tag}), 200) or "[]"
                        )
                    ]
                    served["%s/%s" % (run, tag)] = steps
                    for step in steps:
                        # /steps lists a step it has not read yet when its blob count
                        # fits (it stays cheap for long runs): a malformed manifest
                        # then shows on /sample, as a 422 that says so.
                        bad = (run, tag, step) == ("malformed", "sal", 1)
                        sample = expect(
                            P + "sample?" + q({"run": run, "tag": tag, "step": step}),
                            422 if bad else 200,
                            ["malformed"],
                        )
                        if sample is None or bad:
                            continue
                        sample = json.loads(sample)
                        for url in [sample["image"]["url"]] + [m["url"] for m in sample["masks"]]:
                            expect(P + url, 200)
            want = {
                "intact/sal": [0, 1, 2],
                "truncated/sal": [0, 1, 2],
                "future/sal": [0, 1],
                "malformed/sal": [0, 1, 3],
            }
            for key, steps in want.items():
                if served.get(key) != steps:
                    problems.append("%s: served %s, expected %s" % (key, served.get(key), steps))
            if served.get("corrupt/sal", [])[:2] != [0, 1]:
                problems.append(
                    "corrupt/sal: served %s, expected 0, 1 first" % served.get("corrupt/sal")
                )
            expect(P + "steps?" + q({"run": "future", "tag": "new"}), 422, ["newer", "upgrade"])
            expect(
                P + "sample?" + q({"run": "future", "tag": "sal", "step": 2}),
                422,
                ["newer", "upgrade"],
            )
            expect(
                P + "sample?" + q({"run": "malformed", "tag": "sal", "step": 1}), 422, ["malformed"]
            )
            expect(P + "sample?" + q({"run": "malformed", "tag": "sal", "step": 2}), 422, ["blobs"])
            expect(
                P + "render?" + q({"run": "malformed", "tag": "sal", "step": 1}), 422, ["malformed"]
            )
    finally:
        logger.removeHandler(capture)
        logger.setLevel(old_level)
    logged = capture.messages
    if not any("too new" in m or "newer" in m for m in logged):
        problems.append("no warning logged about data in a newer format")
    if not any("malformed" in m for m in logged):
        problems.append("no warning logged about malformed data; logged: %r" % logged)
    figures = "%d requests; served %s; %d warnings logged; %.1f s" % (
        requests,
        ", ".join("%s %s" % (k, v) for k, v in sorted(served.items())),
        len(logged),
        time.perf_counter() - start,
    )
    return Result("damaged files", backend, figures, not problems, problems)
