"""Side environments: packages the venv cannot hold, run in a subprocess of their own.

`.ci/setup test` installs packages that the venv cannot hold, without their pins, each set
into a directory of its own inside the venv, which only a test's subprocess puts first
on its path:

- `<venv>/vision`: PyTorch 2.14.1 (it shadows the venv's 2.13.0), torchvision, timm and
  pytorch-grad-cam, for tests against real vision models (random weights only: nothing
  is downloaded). PyPI's torchvision does not load beside the venv's CPU torch, and
  TensorFlow segfaults in a process that loads torchvision after it, so these
  subprocesses may not import TensorFlow: `run_vision` hides it from them.
- `<venv>/xplique`: Xplique 2.0.2 (`tests/faithfulness/test_xplique_parity.py`).

Outside CI a missing side environment skips its tests (`needs_vision`); under CI=true
it fails them, as the other tests that need something installed do.
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Hides TensorFlow and Keras from the subprocess as if they were not installed (loaded
# beside torchvision, TensorFlow segfaults): `import tensorflow` raises
# ModuleNotFoundError and `importlib.util.find_spec` returns None, as PyTorch's dynamo
# expects when it asks; sys.modules stays without them, so code that asks whether
# TensorFlow is loaded reads no.
_HIDE_IMPORTS = """\
import sys


class _Hiding:
    def __init__(self, finder):
        self._finder = finder

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in %r:
            return None
        return self._finder.find_spec(name, path, target)

    def __getattr__(self, name):
        return getattr(self._finder, name)


sys.meta_path[:] = [_Hiding(f) if hasattr(f, "find_spec") else f for f in sys.meta_path]
del _Hiding
"""


class SideEnv:
    """A directory of packages, `<venv>/<name>`, for subprocesses only."""

    def __init__(self, name, what, hidden=()):
        self.site = os.path.join(sys.prefix, name)
        self.what = what
        self.hidden = tuple(hidden)

    @property
    def installed(self):
        return os.path.isdir(self.site)

    @property
    def mark(self):
        """Skips a test where the environment is missing, except under CI, where the
        test runs and `run` fails it."""
        return pytest.mark.skipif(
            not self.installed and not os.environ.get("CI"),
            reason="%s is not installed in %s (run .ci/setup test)" % (self.what, self.site),
        )

    def run(self, source=None, script=None, timeout=300):
        """Runs Python `source` (or the file `script`) in a fresh interpreter with this
        environment, then the repository, first on its path; returns its stdout.
        Fails the test where the environment is missing, raises AssertionError with
        the end of its stderr where the subprocess fails."""
        if (source is None) == (script is None):
            raise TypeError("give either source or script")
        if not self.installed:
            pytest.fail(
                "%s is missing from %s: .ci/setup test installs it" % (self.what, self.site)
            )
        if script is not None:
            # As `python script` would: its folder first on the path, its name in argv.
            source = (
                "import runpy, sys\nsys.path.insert(0, %r)\nsys.argv = [%r]\n"
                "runpy.run_path(%r, run_name='__main__')\n"
                % (os.path.dirname(os.path.abspath(script)), script, script)
            )
        if self.hidden:
            source = _HIDE_IMPORTS % (self.hidden,) + source
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([self.site, ROOT]))
        result = subprocess.run(
            [sys.executable, "-c", source],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(
                "the subprocess in %s exited with %d:\n%s"
                % (self.site, result.returncode, result.stderr[-4000:])
            )
        return result.stdout


VISION = SideEnv(
    "vision",
    "PyTorch 2.14.1 with torchvision, timm and pytorch-grad-cam",
    hidden=("tensorflow", "keras", "tf_keras"),
)
XPLIQUE = SideEnv("xplique", "Xplique")

needs_vision = VISION.mark


def run_vision(source, timeout=300):
    """Runs `source` in a subprocess with `<venv>/vision`; returns its stdout."""
    return VISION.run(source, timeout=timeout)
