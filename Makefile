# Every target installs what it needs first, so each works on a fresh machine.
PYTHON ?= python3
LOGDIR ?= /tmp/saliency-demo

.PHONY: setup demo test test-python test-frontend bench reliability

setup:
	bash .ci/setup

demo: setup
	tensorboard-saliency demo --logdir $(LOGDIR)

test: setup
	$(PYTHON) -m pytest -q tests
	node --test frontend/

bench: setup
	$(PYTHON) benchmarks/bench_writer.py
	$(PYTHON) benchmarks/bench_backend.py
	$(PYTHON) benchmarks/bench_methods.py
	node benchmarks/bench_frontend.mjs

reliability: setup
	$(PYTHON) -m tests.reliability.report
