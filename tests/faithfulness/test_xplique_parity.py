"""Our deletion and insertion curves equal Xplique's (2.0.2) under the same settings.

Xplique pins tensorflow<=2.20, so `.ci/setup test` installs it without its pins into
`<venv>/xplique`, which only the subprocess of this test puts on its path
(`vision_env.SideEnv`; `helpers/xplique_curves.py` says which settings are the same on
both sides).
"""

import json
import os

import numpy as np
import pytest
from vision_env import ROOT, XPLIQUE


@XPLIQUE.mark
def test_curves_equal_xpliques():
    script = os.path.join(ROOT, "tests", "helpers", "xplique_curves.py")
    stdout = XPLIQUE.run(script=script, timeout=300)
    answer = json.loads(stdout.strip().splitlines()[-1])
    for kind in ("deletion", "insertion"):
        np.testing.assert_allclose(
            answer[kind]["ours_curve"], answer[kind]["xplique_curve"], atol=1e-5
        )
        assert answer[kind]["ours_auc"] == pytest.approx(answer[kind]["xplique_auc"], abs=1e-5)
