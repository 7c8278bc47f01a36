"""Our deletion and insertion curves equal Xplique's (2.0.2) under the same settings.

Xplique pins tensorflow<=2.20, so `.ci/setup test` installs it without its pins into
`<venv>/xplique`, which only the subprocess of this test puts on its path
(`helpers/xplique_curves.py` says which settings are the same on both sides).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(sys.prefix, "xplique")


def test_curves_equal_xpliques():
    if not os.path.isdir(SITE):
        if os.environ.get("CI"):
            pytest.fail("Xplique is missing from %s: .ci/setup test installs it" % SITE)
        pytest.skip("Xplique is not installed in %s (run .ci/setup test)" % SITE)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([SITE, ROOT]))
    script = os.path.join(ROOT, "tests", "helpers", "xplique_curves.py")
    result = subprocess.run(
        [sys.executable, script], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    for kind in ("deletion", "insertion"):
        np.testing.assert_allclose(
            answer[kind]["ours_curve"], answer[kind]["xplique_curve"], atol=1e-5
        )
        assert answer[kind]["ours_auc"] == pytest.approx(answer[kind]["xplique_auc"], abs=1e-5)
