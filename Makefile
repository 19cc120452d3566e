# Every target bootstraps .venv by itself (create, install, compile catalogs) and is quick when
# nothing changed: the stamp files only rebuild when their inputs are newer.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
EVAL_SET ?= ../shared/eval/dev.yaml

.PHONY: install run test lint eval calibrate bench catalogs clean

install: $(STAMP) $(MO)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -d locales -D messages -l $*

catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _:1,1t -k _:1,2 -k __ -k gettext -k ngettext:1,2 \
	  --no-location --sort-output -o locales/messages.pot bot infomigra admin_api
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching

run: install
	$(BIN)/infomigra serve

test: install
	$(BIN)/python -m pytest

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
	rm -rf $(VENV) *.egg-info
