# The README's two commands: `make run` and `make test`. Everything else is what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NATIVE_SOURCES := $(wildcard src/toneshootout/engine/nam/*.c src/toneshootout/engine/nam/*.h)
PYTEST_ARGS ?= -n 2

.PHONY: setup run demo test lint typecheck imports unit test-slow audit bench clean

$(STAMP): pyproject.toml $(wildcard setup.py) $(NATIVE_SOURCES)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Browser packages (web/package-lock.json) installed by npm ci, then copied into the server's
# static folder (gitignored); redone only when the lock file or the copy script changes.
WEB_MODULES := web/node_modules/.package-lock.json
VENDOR_INDEX := src/toneshootout/server/web/static/vendor/index.js

$(WEB_MODULES): web/package-lock.json
	npm ci --prefix web --no-audit --no-fund

$(VENDOR_INDEX): $(WEB_MODULES) web/copy-vendor.mjs
	node web/copy-vendor.mjs

setup: $(STAMP) $(VENDOR_INDEX)

# The service on http://127.0.0.1:8000 with the embedded defaults (SQLite and files under ./var);
# migrations are applied as their own step first. Ctrl-C stops it.
run: setup
	$(BIN)/toneshootout db upgrade
	$(BIN)/toneshootout serve

demo: setup
	$(BIN)/toneshootout demo --out var/demo --overwrite

lint: setup
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

typecheck: setup
	$(BIN)/mypy

imports: setup
	$(BIN)/lint-imports

unit: setup
	$(BIN)/pytest $(PYTEST_ARGS) -m "not slow and not live_tone3000"

test: lint typecheck imports unit

test-slow: setup
	$(BIN)/pytest $(PYTEST_ARGS) -m slow

# REQ-38: known vulnerabilities in the installed dependencies (needs PyPI; run by .ci/run).
audit: setup
	$(BIN)/pip-audit --skip-editable --progress-spinner off

bench: setup
	$(BIN)/python -m bench.shootout

clean:
	rm -rf $(VENV) build var .mypy_cache .ruff_cache .pytest_cache
