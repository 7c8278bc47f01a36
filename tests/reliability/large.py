"""Large inputs: time and peak memory within documented limits, or a clear error.

Each case runs in a fresh Python process (`python -m tests.reliability.large CASE
DIR`), so its peak RSS (`VmHWM` of /proc/self/status; `ru_maxrss` elsewhere) is its own.

| case | what | limit (time, peak RSS) |
|---|---|---|
| image4096 | one 4096x4096 RGB image, 4 float32 masks: write, read back | 60 s, 3 GiB |
| batch64 | a batch of 64 RGB 224x224 images, 3 masks each: write, read back | 30 s, 2 GiB |
| steps10k | a tag of 10,000 steps: write, `/steps`, `/sample` of the last | 120 s, 2 GiB |
| too_big | a 9000x9000 image: `ValueError` naming the 8192-pixel limit | 5 s, 2 GiB |

The inputs themselves take memory: 4 masks of 4096x4096 float32 are 256 MiB and the
image 48 MiB; the limits leave room for the encoder's float64 intermediate per mask.
"""

import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

from tests.reliability.common import ROOT, Result

LIMITS = {  # case: (seconds, peak RSS MiB)
    "image4096": (60, 3072),
    "batch64": (30, 2048),
    "steps10k": (120, 2048),
    "too_big": (5, 2048),
}


def _rss_mib():
    """Peak RSS of this process image in MiB: VmHWM (Linux keeps `ru_maxrss` across
    fork and exec, so it would include the parent's peak), else `ru_maxrss`."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _smooth(n, h, w, c, seed=0):
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    out = np.empty((n, h, w, c), np.uint8)
    for i in range(n):
        for k in range(c):
            out[i, :, :, k] = (127 + 120 * np.sin(6 * x + 3 * y * (k + 1) + i)).astype(np.uint8)
    return out


def case_image4096(workdir):
    from tensorboard_plugin_saliency import reader
    from tensorboard_plugin_saliency.summary import SaliencyWriter

    image = _smooth(1, 4096, 4096, 3)[0]
    rng = np.random.default_rng(0)
    masks = {"m%d" % k: rng.standard_normal((4096, 4096), dtype=np.float32) for k in range(4)}
    t = time.perf_counter()
    with SaliencyWriter(workdir) as writer:
        writer.add("big", image, masks, 0)
    write_s = time.perf_counter() - t
    size = sum(os.path.getsize(os.path.join(workdir, f)) for f in os.listdir(workdir))
    del masks
    t = time.perf_counter()
    (record,) = reader.read_saliency(workdir)
    assert record.images.shape == (1, 4096, 4096, 3) and len(record.masks) == 4
    return "write %.1f s, read back %.1f s, %.0f MiB on disk" % (
        write_s,
        time.perf_counter() - t,
        size / 2**20,
    )


def case_batch64(workdir):
    from tensorboard_plugin_saliency import reader
    from tensorboard_plugin_saliency.summary import SaliencyWriter

    images = _smooth(64, 224, 224, 3)
    rng = np.random.default_rng(0)
    masks = {k: rng.standard_normal((64, 224, 224, 3), dtype=np.float32) for k in ("a", "b", "c")}
    t = time.perf_counter()
    with SaliencyWriter(workdir) as writer:
        writer.add("batch", images, masks, 0, max_outputs=64)
    write_s = time.perf_counter() - t
    t = time.perf_counter()
    (record,) = reader.read_saliency(workdir)
    assert record.images.shape[0] == 64 and record.masks["a"].shape == (64, 224, 224)
    return "write %.1f s, read back %.1f s" % (write_s, time.perf_counter() - t)


def case_steps10k(workdir):
    from helpers import tb_backends
    from werkzeug.test import Client

    from tensorboard_plugin_saliency.summary import SaliencyWriter
    from tests.reliability import sites

    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    mask = rng.standard_normal((8, 8)).astype(np.float32)
    t = time.perf_counter()
    with SaliencyWriter(os.path.join(workdir, "run")) as writer:
        for step in range(10_000):
            writer.add("long", image, mask, step)
    write_s = time.perf_counter() - t
    t = time.perf_counter()
    with tb_backends.data_provider(workdir, "python", samples=0) as provider:
        load_s = time.perf_counter() - t
        client = Client(sites.make_app(provider, workdir, samples=0))
        t = time.perf_counter()
        response = client.get(sites.P + "steps?run=run&tag=long")
        steps_s = time.perf_counter() - t
        steps = json.loads(response.get_data())
        assert len(steps) == 10_000, len(steps)
        t = time.perf_counter()
        response = client.get(sites.P + "steps?run=run&tag=long")
        cached_s = time.perf_counter() - t
        response = client.get(sites.P + "sample?run=run&tag=long")
        assert json.loads(response.get_data())["step"] == 9999
    return "write %.1f s, load %.1f s, /steps of 10,000: %.0f ms (cached %.1f ms)" % (
        write_s,
        load_s,
        steps_s * 1e3,
        cached_s * 1e3,
    )


def case_too_big(workdir):
    from tensorboard_plugin_saliency.summary import SaliencyWriter

    image = np.zeros((9000, 9000, 3), np.uint8)
    with SaliencyWriter(workdir) as writer:
        try:
            writer.add("huge", image, np.zeros((9000, 9000), np.float32), 0)
        except ValueError as e:
            assert "8192" in str(e), e
            return "ValueError: %s" % e
    raise AssertionError("a 9000x9000 image was accepted")


def run_case(name, workdir):
    """Runs one case in a fresh process; returns a `Result`."""
    os.makedirs(workdir, exist_ok=True)
    limit_s, limit_mib = LIMITS[name]
    proc = subprocess.run(
        [sys.executable, "-m", "tests.reliability.large", name, workdir],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return Result(
            "large: %s" % name, "-", "failed", False, [proc.stdout[-2000:] + proc.stderr[-3000:]]
        )
    out = json.loads(lines[-1])
    problems = []
    if out["seconds"] > limit_s:
        problems.append("took %.1f s, limit %d s" % (out["seconds"], limit_s))
    if out["peak_mib"] > limit_mib:
        problems.append("peak RSS %.0f MiB, limit %d MiB" % (out["peak_mib"], limit_mib))
    figures = "%s; %.1f s (limit %d), peak RSS %.0f MiB (limit %d, %.0f after imports)" % (
        out["detail"],
        out["seconds"],
        limit_s,
        out["peak_mib"],
        limit_mib,
        out["base_mib"],
    )
    return Result("large: %s" % name, "-", figures, not problems, problems)


def _main(name, workdir):
    from tensorboard.backend.event_processing import plugin_event_multiplexer  # noqa: F401

    import tensorboard_plugin_saliency.summary  # noqa: F401  (imports before the baseline)

    base = _rss_mib()
    start = time.perf_counter()
    detail = globals()["case_" + name](workdir)
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - start,
                "peak_mib": _rss_mib(),
                "base_mib": base,
                "detail": detail,
            }
        )
    )


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
