"""Shared pieces of the reliability suite: results, the table, log directories.

Every check is a function returning `Result`s; the pytest modules
(`test_*.py`) and `python -m tests.reliability.report` call the same functions,
the tests with smaller budgets.
"""

import contextlib
import dataclasses
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)
if TESTS not in sys.path:  # the shared helpers (tb_process, tb_backends, ...)
    sys.path.insert(0, TESTS)

from helpers.browser_tools import tools_missing  # noqa: E402,F401  (re-exported)
from tensorboard.compat.proto import event_pb2, summary_pb2  # noqa: E402
from tensorboard.plugins.image import metadata as image_metadata  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

from tensorboard_plugin_saliency.format import encoding  # noqa: E402

BACKENDS = ("python", "rust")
LOAD_FAST = {"python": "false", "rust": "true"}


@dataclasses.dataclass
class Result:
    """One row of the reliability table."""

    check: str
    backend: str
    figures: str
    ok: bool
    problems: list = dataclasses.field(default_factory=list)

    def failure_text(self):
        return "%s [%s]: %s\n  %s" % (
            self.check,
            self.backend,
            self.figures,
            "\n  ".join(map(str, self.problems[:20])),
        )


def table(results):
    """The results as a plain-text table."""
    rows = [("check", "backend", "figures", "ok")]
    rows += [(r.check, r.backend, r.figures, "ok" if r.ok else "FAIL") for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for k, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def assert_ok(results):
    bad = [r for r in results if not r.ok]
    assert not bad, "\n".join(r.failure_text() for r in bad)


def percentile(values, q):
    if not values:
        return float("nan")
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def ms(seconds):
    return "%.1f ms" % (seconds * 1000.0)


@contextlib.contextmanager
def timer():
    box = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["s"] = time.perf_counter() - start


# ---------------------------------------------------------------------------
# Image-plugin summaries written without TensorFlow, for the load comparison.


def image_summary_pb(tag, images):
    """A `Summary` in the images plugin's format: `[width, height, png...]` strings."""
    images = np.asarray(images, np.uint8)
    h, w = images.shape[1:3]
    blobs = [str(w).encode(), str(h).encode()] + [encoding.encode_png(im) for im in images]
    array = np.empty(len(blobs), dtype=object)
    array[:] = blobs
    md = image_metadata.create_summary_metadata(display_name=tag, description="")
    summary = summary_pb2.Summary()
    summary.value.add(tag=tag, metadata=md, tensor=tensor_util.make_tensor_proto(array))
    return summary


def write_image_events(writer, tag, steps, n=3, h=48, w=64, walltime=1000.0):
    """Writes `tf.summary.image`-style summaries with the event writer `writer`."""
    for step in steps:
        rng = np.random.default_rng(1000 + step)
        images = rng.integers(0, 256, size=(n, h, w, 3), dtype=np.uint8)
        writer.add_event(
            event_pb2.Event(
                step=step, wall_time=walltime + step, summary=image_summary_pb(tag, images)
            )
        )
