"""Reliability suite (issue 6): fuzzing, live training, damaged files, load, hostile
names and large inputs. `python -m tests.reliability.report` prints the table."""

import os
import sys

_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _TESTS not in sys.path:  # the shared helpers: tb_process, tb_backends, saliency_logdir
    sys.path.insert(0, _TESTS)
