# Every target sets up what it needs first (.ci/setup), so each works on a fresh
# machine. Python packages go into the active virtual environment, or else into the
# project's own .venv: never into the system's Python.
VENV ?= $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),.venv)
PY := $(VENV)/bin/python
LOGDIR ?= /tmp/saliency-demo
DEMO_ARGS ?=

.PHONY: demo test lint format screenshot bench reliability check-setup

demo:
	bash .ci/setup demo
	$(VENV)/bin/tensorboard-saliency demo --logdir $(LOGDIR) $(DEMO_ARGS)

test:
	bash .ci/setup test
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest -q tests
	node --test frontend/
	bash tools/check_clean_tree.sh

lint:
	bash .ci/setup lint
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	npm run --silent lint

format:
	bash .ci/setup lint
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .
	npm run --silent format

# The README's picture of the dashboard, from the e2e fixture: the only target that
# writes a tracked file.
screenshot:
	bash .ci/setup test
	SALIENCY_SCREENSHOT=docs/screenshot.png $(PY) -m pytest -q tests/test_frontend_e2e.py -k "false"

bench:
	bash .ci/setup test
	$(PY) benchmarks/bench_writer.py
	$(PY) benchmarks/bench_backend.py
	$(PY) benchmarks/bench_methods.py
	PYTHON=$(PY) node benchmarks/bench_frontend.mjs

reliability:
	bash .ci/setup test
	$(PY) -m tests.reliability.report

# A fresh clone runs `make demo` with no virtual environment active and leaves the
# interpreter's own packages as they were (slow: it builds a new .venv).
check-setup:
	bash tools/check_setup.sh
