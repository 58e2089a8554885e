# requests_oauth2client: developer tasks.
#
#   make demo    set everything up, start the local authorization server, run the demo
#   make test    set everything up, run lint, type checks and the whole test suite
#
# "Set everything up" = a virtualenv in .venv with the package installed in
# editable mode with its dev extras (plus docs extras when mkdocs.yml exists),
# and `npm ci` for the test authorization server in tests/server.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SERVER_DIR := tests/server

comma := ,
# pip extras to install; docs is added once the project has an mkdocs.yml
PIP_EXTRAS ?= dev$(if $(wildcard mkdocs.yml),$(comma)docs)
# the stamp name carries the extras, so changing them reinstalls
VENV_STAMP := $(VENV)/.installed-$(subst $(comma),-,$(PIP_EXTRAS))
NODE_STAMP := $(SERVER_DIR)/node_modules/.installed

# set to 0 to skip `ruff format --check .` in `make test`
CHECK_FORMAT ?= 1
PYTEST_ARGS ?=

.PHONY: help venv server-deps test lint format-check typecheck pytest docs demo bench clean distclean

help:
	@echo "make demo          run the demo against a local authorization server"
	@echo "make test          lint (ruff check and format --check), type-check and run all tests"
	@echo "make venv          create $(VENV) and install the package with extras [$(PIP_EXTRAS)]"
	@echo "make bench         run the benchmarks and write the results into docs/benchmarks.md"
	@echo "make server-deps   npm ci for the test authorization server ($(SERVER_DIR))"
	@echo "make clean         remove caches and build output; make distclean also removes $(VENV) and node_modules"

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[$(PIP_EXTRAS)]'
	@rm -f $(VENV)/.installed-*
	@touch $@

server-deps: $(NODE_STAMP)

$(NODE_STAMP): $(SERVER_DIR)/package-lock.json $(SERVER_DIR)/package.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js >= 20.18" >&2; exit 1; }
	cd $(SERVER_DIR) && npm ci --no-audit --no-fund
	@touch $@

lint: venv
	$(BIN)/ruff check .
	@if [ "$(CHECK_FORMAT)" = 1 ]; then $(MAKE) --no-print-directory format-check; fi

format-check: venv
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

# pytest exits with 5 when it collects no test: that must fail too.
pytest: venv server-deps
	@rc=0; $(BIN)/python -m pytest $(PYTEST_ARGS) tests || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

docs: venv
	@if [ -f mkdocs.yml ]; then NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict; else echo "no mkdocs.yml: skipping docs"; fi

test: venv server-deps
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory pytest
	$(MAKE) --no-print-directory docs

demo: venv server-deps
	$(BIN)/python demo/run.py

# measures each figure against its floor and writes the results table into docs/benchmarks.md
bench: venv
	$(BIN)/python benchmarks/run.py --write

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist site *.egg-info
	rm -rf $(SERVER_DIR)/state
	find . -path ./$(VENV) -prune -o -path ./$(SERVER_DIR)/node_modules -prune -o \
		-name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(SERVER_DIR)/node_modules
