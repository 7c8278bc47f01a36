"""Start and stop a real `tensorboard` process on a free port, for tests and benchmarks.

    with tensorboard_process(logdir, load_fast="true") as base_url:
        urllib.request.urlopen(base_url + "/data/plugins_listing")

The context manager returns once `/data/plugins_listing` answers and the log directory
is loaded: the runs and saliency tags it serves have stopped changing (RustBoard loads
in the background after the server starts answering; so does the Python multiplexer).
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, timeout=10, headers=None):
    """`(status, headers, body bytes)` of a GET; HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def fetch_json(url, timeout=10):
    status, _, body = fetch(url, timeout)
    if status != 200:
        raise AssertionError("GET %s: %d %s" % (url, status, body[:300]))
    return json.loads(body)


@contextlib.contextmanager
def tensorboard_process(
    logdir,
    load_fast="false",
    extra_args=(),
    timeout=90,
    wait_for_runs=None,
    settle_s=1.0,
    without_tensorflow=False,
):
    """Runs `tensorboard --logdir logdir` on a free port; yields its base URL.

    Args:
      logdir: the log directory, or None when `extra_args` give `--logdir_spec`.
      load_fast: "false" (Python multiplexer) or "true" (RustBoard).
      extra_args: more command line flags, e.g. `["--samples_per_plugin=saliency=0"]`.
      timeout: seconds to wait for the server and its data.
      wait_for_runs: run names that must be listed before the data counts as loaded;
        by default, waits until the runs and saliency tags stop changing for
        `settle_s` seconds.
      without_tensorflow: run TensorBoard as where TensorFlow is not installed (it
        then reads `s3://` itself through boto3, and other URLs through fsspec).
    """
    port = free_port()
    main = ["-m", "tensorboard.main"]
    if without_tensorflow:
        main = ["-c", _WITHOUT_TENSORFLOW]
    args = [
        sys.executable,
        *main,
        *(["--logdir", str(logdir)] if logdir is not None else []),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--load_fast=%s" % load_fast,
    ]
    args += list(extra_args)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, env=env
        )
        base_url = "http://127.0.0.1:%d" % port
        try:
            _wait_until_ready(process, base_url, timeout, wait_for_runs, settle_s, log)
            yield base_url
        finally:
            _stop(process)


_WITHOUT_TENSORFLOW = (
    "import sys; sys.modules['tensorflow'] = None; sys.argv[0] = 'tensorboard'; "
    "from tensorboard.main import run_main; run_main()"
)


def _log_tail(log):
    log.seek(0)
    return log.read().decode("utf-8", errors="replace")[-3000:]


def _wait_until_ready(process, base_url, timeout, wait_for_runs, settle_s, log):
    deadline = time.time() + timeout

    def check_alive():
        if process.poll() is not None:
            raise RuntimeError(
                "tensorboard exited with %s:\n%s" % (process.returncode, _log_tail(log))
            )
        if time.time() > deadline:
            raise RuntimeError("tensorboard not ready after %ds:\n%s" % (timeout, _log_tail(log)))

    while True:
        check_alive()
        try:
            status, _, _ = fetch(base_url + "/data/plugins_listing", timeout=5)
            if status == 200:
                break
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)

    def snapshot():
        runs = fetch_json(base_url + "/data/runs")
        status, _, body = fetch(base_url + "/data/plugin/saliency/tags")
        return sorted(runs), body if status == 200 else status

    if wait_for_runs is not None:
        wanted = set(wait_for_runs)
        while not wanted <= set(snapshot()[0]):
            check_alive()
            time.sleep(0.1)
    last, since = None, time.time()
    while True:
        check_alive()
        current = snapshot()
        if current != last:
            last, since = current, time.time()
        elif time.time() - since >= settle_s:
            return
        time.sleep(0.1)


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdin:
        process.stdin.close()
