# associa: the two commands are `make run` and `make test`; both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CLIENTS := tests/clients
# Qlik's Python SDK in a virtual environment of its own: qlik-sdk 0.17 pins PyJWT 2.4.0,
# requests 2.27.1 and websocket-client 1.3.2 (tests/rest/test_qlik_sdk.py runs it there)
SDK_VENV := .venv-sdk
# where `make run` serves: `make run PORT=9077 DATA_DIR=/tmp/apps` (set on the command
# line; `:=` keeps a HOST or PORT from the shell's environment out)
HOST := 127.0.0.1
PORT := 9076
DATA_DIR := data
# pytest's worker processes (pytest-xdist): one per core, at most 4 (each can hold a
# million-row model); `make test JOBS=0` runs them in pytest's own process
JOBS := auto --maxprocesses=4
# fact rows of `make bench`: `make bench ROWS=1000000` runs a smaller star
ROWS := 10000000

.PHONY: run test install dev node sdk postgres chromium pytest typecheck clients bench lint docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

$(SDK_VENV)/.installed:
	$(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/pip install --quiet qlik-sdk==0.17.0
	touch $@

$(CLIENTS)/node_modules/.installed: $(CLIENTS)/package.json $(CLIENTS)/package-lock.json
	cd $(CLIENTS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's PostgreSQL for the tests that load from a real server (tests/pg.py starts a
# temporary cluster of it): installed with apt-get when missing and run as root; where it
# cannot be, those tests are skipped and say why
postgres:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing PostgreSQL (apt-get install postgresql)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
			|| echo "PostgreSQL could not be installed: its tests will be skipped"; \
	else echo "PostgreSQL is not installed (not root: apt-get install postgresql): its tests will be skipped"; fi

# Debian's Chromium for the browser tests (tests/clients/charts.test.mjs renders nebula.js
# charts in it, driven by playwright-core): installed with apt-get when missing and run as
# root; where it cannot be, those tests are skipped and say why
chromium:
	@if [ -x "$${CHROMIUM:-/usr/bin/chromium}" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Chromium (apt-get install chromium)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
			|| echo "Chromium could not be installed: the browser tests will be skipped"; \
	else echo "Chromium is not installed (not root: apt-get install chromium): the browser tests will be skipped"; fi

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed
node: $(CLIENTS)/node_modules/.installed
sdk: $(SDK_VENV)/.installed

## run: start the engine on $(HOST):$(PORT) with the demo app (apps in $(DATA_DIR)), in
## development mode (--no-auth: every connection is anonymous, as the start-up warning says)
run: install
	$(BIN)/associa serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR) --demo --no-auth

## test: every test: Python (unit, protocol, differential), then types and the Node clients
## side by side (each keeps about one core busy)
test: pytest
	$(MAKE) --no-print-directory -j2 --output-sync=target typecheck clients

pytest: dev node sdk postgres
	$(BIN)/pytest -q -n $(JOBS) --durations=15

## typecheck: mypy over src/ (settings in pyproject.toml)
typecheck: dev
	$(BIN)/mypy

## clients: enigma.js and @qlik/api over a socket; nebula.js charts in headless Chromium
## (screenshots under $ASSOCIA_ARTEFACTS/charts when set, else a temporary folder)
clients: dev node chromium
	cd $(CLIENTS) && node --test --test-concurrency=1

## bench: reload, clicks and memory on a star of $(ROWS) fact rows, against pyarrow and
## DuckDB in the same run (docs/performance.md)
bench: dev
	$(BIN)/python -m tests.bench.run --rows $(ROWS)

lint: dev
	$(BIN)/ruff check src tests

## docs: the documentation site (mkdocs.yml, MkDocs Material) into site/, warnings as
## errors; `.venv/bin/mkdocs serve` previews it
docs: dev
	$(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) $(SDK_VENV) $(CLIENTS)/node_modules .pytest_cache site
