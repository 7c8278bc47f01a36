"""Where a run's files are: the directory (or URL) its event files are in.

Asset files (`assets`) live below their run's directory. With the Python backend,
TensorBoard's multiplexer knows each run's path, under `--logdir` and
`--logdir_spec` alike; RustBoard reads `--logdir` only, and names each run by its
path below it ("." for the log directory itself).
"""

import os

from tensorboard_plugin_saliency import storage
from tensorboard_plugin_saliency.plugin.errors import NotFoundError


class RunDirectories:
    """`run -> directory` for one TensorBoard: from its multiplexer when it has one,
    else below its `--logdir`."""

    def __init__(self, logdir=None, multiplexer=None):
        self._logdir = os.fspath(logdir) if logdir else None
        self._multiplexer = multiplexer

    def __call__(self, run):
        if self._multiplexer is not None:
            path = self._multiplexer.RunPaths().get(run)
            if path is not None:
                return path
        if self._logdir is None:
            raise NotFoundError("no directory known for run %r" % (run,))
        if run == ".":
            return self._logdir
        parts = run.split("/")
        if run.startswith("/") or "\\" in run or any(p in ("", ".", "..") for p in parts):
            raise NotFoundError("no run %r below the log directory" % (run,))
        return storage.location(self._logdir).join(*parts)
