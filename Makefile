# MarrowTrack: `make run` serves the demo clinic, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export MARROWTRACK_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test test-pg install install-dev lint lint-imports demo-smoke assets clean bench messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Spanish patient texts: gettext catalogs compiled in Python (no system gettext needed).
messages: $(VENV)/.installed
	@$(BIN)/marrowtrack compile_translations --verbosity 0

install: $(VENV)/.installed node_modules/.installed messages
install-dev: $(VENV)/.installed-dev node_modules/.installed messages

run: install
	$(BIN)/marrowtrack migrate --noinput
	$(BIN)/marrowtrack collectstatic --noinput --verbosity 0
	$(BIN)/marrowtrack demo --if-empty
	@echo ""
	@echo "MarrowTrack is serving on http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo ""
	$(BIN)/gunicorn config.wsgi -c config/gunicorn.conf.py --bind $(HOST):$(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The app layers (docs/decisions/0006-one-way-app-layers.md), from pyproject.toml.
lint-imports: install-dev
	$(BIN)/lint-imports

# The demo still loads: 200 patients into a throwaway SQLite database, removed after.
demo-smoke: install
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	export MARROWTRACK_VAR_DIR="$$tmp" DATABASE_URL= && \
	$(BIN)/marrowtrack migrate --noinput --verbosity 0 && \
	$(BIN)/marrowtrack demo --patients 200 > "$$tmp/demo.log" && grep "loaded in" "$$tmp/demo.log" \
		|| { cat "$$tmp/demo.log"; exit 1; }

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DATABASE_URL= $(BIN)/mypy marrowtrack config
	DATABASE_URL= $(BIN)/marrowtrack makemigrations --check --dry-run
	$(MAKE) --no-print-directory demo-smoke
	bash scripts/ensure-chromium.sh
	$(BIN)/pytest -m "not postgres"

# The same suite against PostgreSQL (DATABASE_URL must point at a server; .ci/run sets it).
test-pg: install-dev
	@test -n "$(DATABASE_URL)" || (echo "test-pg needs DATABASE_URL" && exit 2)
	$(BIN)/pytest

bench: install
	$(BIN)/marrowtrack bench search

clean:
	rm -rf $(VENV) node_modules var
