# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
TOPIC ?= china-japan
DATE ?= yesterday

.PHONY: run build test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

run: $(BIN)/.installed  ## the service on embedded defaults: SQLite, offline summarizer, pages, no tokens needed
	$(BIN)/digestbot run

build: $(BIN)/.installed  ## one digest on stdout: make build TOPIC=china-japan DATE=2026-02-25
	$(BIN)/digestbot build $(TOPIC) --date $(DATE)

test: $(BIN)/.installed  ## lint, type-check, check the import layers and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

bench: $(BIN)/.installed  ## pipeline benchmark (the others: see README, Benchmarks)
	$(BIN)/python -m bench.pipeline

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
