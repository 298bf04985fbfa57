# zenodo-publish developer commands. `make test` is what CI runs (through .ci/run).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo needs the package and its runtime dependencies only (no test tools, no linters).
RUNTIME_STAMP := $(VENV)/.installed-runtime

.PHONY: test lint lint-action unit demo bench test-container test-conformance test-lifecycle clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP) $(RUNTIME_STAMP)

$(RUNTIME_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

## test: lint, type-check and run every test (what CI runs)
test: lint unit

lint: $(STAMP) lint-action
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

## lint-action: action.yml and every workflow against GitHub's schemas, actionlint, hadolint
## (all offline: built-in schemas and binaries shipped in wheels)
WORKFLOWS := $(wildcard .github/workflows/*.yml examples/workflows/*.yml)
lint-action: $(STAMP)
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions action.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(BIN)/actionlint $(WORKFLOWS)
	$(BIN)/hadolint Dockerfile

## test-lifecycle: the record-lifecycle state machine (tests/lifecycle) with many more examples
## than `make test` runs (nightly CI; HYPOTHESIS_PROFILE picks the settings profile)
test-lifecycle: $(STAMP)
	HYPOTHESIS_PROFILE=lifecycle-nightly $(BIN)/pytest tests/lifecycle/test_lifecycle_machine.py

## test-container: build the action's image with podman (no Docker engine, no registry) and
## run it the way the runner does; state in .container/ (see scripts/container.sh)
test-container: $(STAMP)
	scripts/container.sh setup
	ZP_CONTAINER=1 $(BIN)/pytest -m container tests/container

## test-conformance: the client's flows and the emulator's contract tests against the stock
## InvenioRDM REST API, run in process (tests/conformance). Its venv is built from
## tests/conformance/requirements.lock into the user cache, once per lock (scripts/conformance-venv.sh)
test-conformance:
	scripts/conformance-venv.sh
	PYTHONPATH=$(CURDIR)/src .venv-conformance/bin/python -m pytest -p no:cacheprovider \
		-W ignore::DeprecationWarning -W ignore::FutureWarning tests/conformance

## demo: an example repository taken through validate -> plan -> sync -> publish
demo: $(RUNTIME_STAMP)
	$(BIN)/python examples/demo.py

## bench: request economy, peak memory, upload and md5 speed, parallel uploads under latency
## and rate-limit pacing, against an emulator subprocess; writes bench/results.md (bench/run.py);
## collections at Zenodo's limits and sharded uploads: bench/results-collection.md (bench/collection.py)
bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.collection

clean:
	rm -rf $(VENV) .venv-conformance build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
