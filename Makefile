# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
TOPIC ?= china-japan
DATE ?= yesterday

.PHONY: run build test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

run: $(BIN)/.installed  ## build today's digest on embedded defaults (SQLite, offline summarizer without a key)
	$(BIN)/digestbot build $(TOPIC) --date $(DATE)

test: $(BIN)/.installed  ## lint, type-check and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(BIN)/.installed
	$(BIN)/python -m bench.pipeline

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
