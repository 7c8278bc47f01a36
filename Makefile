# Every target sets up what it needs first (.ci/setup), so each works on a fresh
# machine. Python packages go into the active virtual environment, or else into the
# project's own .venv: never into the system's Python.
VENV ?= $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),.venv)
PY := $(VENV)/bin/python
LOGDIR ?= /tmp/saliency-demo
DEMO_ARGS ?=

.PHONY: demo test lint docs format screenshot bench reliability check-setup

demo:
	bash .ci/setup demo
	$(VENV)/bin/tensorboard-saliency demo --logdir $(LOGDIR) $(DEMO_ARGS)

test:
	bash .ci/setup test
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory docs
	$(PY) -m pytest -q --durations=25 -m "not slow" tests
	node --test frontend/
	bash tools/check_clean_tree.sh

lint:
	bash .ci/setup lint
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	npm run --silent lint

# The documentation site (mkdocs.yml): static HTML in site/ that opens from disk
# (site/index.html). --strict makes every warning an error: a page left out of the nav,
# a dead link or anchor, a missing snippet, a docstring naming no parameter. Material's
# banner about its end of life is not a warning of ours, and is left out.
docs:
	bash .ci/setup test
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

format:
	bash .ci/setup lint
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .
	npm run --silent format

# The pictures of the dashboard: docs/screenshot.png (the demo's grid, on README and the
# docs' home), docs/filmstrip.png and the annotated docs/dashboard-*.png of the dashboard
# guide, taken in headless Chromium on a real tensorboard serving the demo's logs: the
# only target that writes tracked files. Trains the demo first (about 30 s) unless LOGDIR already holds its logs.
screenshot:
	bash .ci/setup test
	@if ls $(LOGDIR)/saliency/events.out.tfevents.* >/dev/null 2>&1; then \
	  echo "using the demo's logs in $(LOGDIR) (remove it to train again)"; \
	else \
	  echo "$(VENV)/bin/tensorboard-saliency demo --logdir $(LOGDIR) --no-serve $(DEMO_ARGS)"; \
	  $(VENV)/bin/tensorboard-saliency demo --logdir $(LOGDIR) --no-serve $(DEMO_ARGS); \
	fi
	node tools/screenshots.mjs --logdir $(LOGDIR) --tensorboard $(VENV)/bin/tensorboard --out docs

bench:
	bash .ci/setup test
	$(PY) benchmarks/bench_writer.py
	$(PY) benchmarks/bench_backend.py
	$(PY) benchmarks/bench_scale.py
	$(PY) benchmarks/bench_methods.py
	$(PY) benchmarks/bench_torch.py
	$(PY) benchmarks/bench_grad_cam.py
	$(PY) benchmarks/bench_road.py
	$(PY) benchmarks/bench_parts.py
	$(PY) benchmarks/bench_dataset.py
	$(PY) benchmarks/bench_dataset_ray.py
	PYTHON=$(PY) node benchmarks/bench_frontend.mjs
	node benchmarks/bench_table.mjs

reliability:
	bash .ci/setup test
	$(PY) -m pytest -q -m slow tests
	$(PY) -m tests.reliability.report

# A fresh clone runs `make demo` with no virtual environment active and leaves the
# interpreter's own packages as they were (slow: it builds a new .venv).
check-setup:
	bash tools/check_setup.sh
