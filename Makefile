# Two commands matter: `make demo` (the main job) and `make test` (the test suite).
# Each creates a project-local virtual environment in .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test test-all demo bench clean

$(STAMP): pyproject.toml requirements/base.txt requirements/ml.txt requirements/test.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/base.txt -r requirements/ml.txt -r requirements/test.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# The default tier (pyproject's addopts deselect `slow`): fast tests, and trainings of a nano
# model of at most 300 steps.
test: $(STAMP)
	$(BIN)/pytest -q

# Both tiers: `-m ''` replaces the default `-m 'not slow'`.
test-all: $(STAMP)
	$(BIN)/pytest -q -m ''

demo: $(STAMP)
	$(BIN)/python -m trainer.demo $(DEMO_ARGS)

# The benchmarks that need no trained model, one after the other: interpreter speed against the
# paper's generator, steps of the long machines, compiler speed and memory, training tokens/s per
# view. The figures of record and what they mean: docs/results.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/trace_speed.py
	$(BIN)/python benchmarks/long_steps.py
	$(BIN)/python benchmarks/compile_speed.py
	$(BIN)/python benchmarks/train_speed.py

clean:
	rm -rf $(VENV) build *.egg-info
