# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
TOPIC ?= china-japan
DATE ?= yesterday

.PHONY: run build demo test test-clock bench clean

# Recipe lines that start a program or set up .venv are not echoed (@): `make run`, `make demo` and
# `make build` print only the program's output (tests/test_makefile.py runs them to check).
$(BIN)/.installed: pyproject.toml
	@echo "setting up $(VENV) (once, a few minutes)..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q -U pip
	@$(BIN)/pip install -q -e '.[dev]'
	@touch $@

run: $(BIN)/.installed  ## the service on embedded defaults: SQLite, offline summarizer, pages, no tokens needed
	@$(BIN)/digestbot run || [ $$? -eq 130 ]  # Ctrl-C: make says "Interrupt", not "Error 130"

build: $(BIN)/.installed  ## one digest on stdout: make build TOPIC=china-japan DATE=2026-02-25
	@$(BIN)/digestbot build $(TOPIC) --date $(DATE)

test: $(BIN)/.installed  ## lint, check the formatting, type-check, check the import layers and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --dist loadfile --durations=15

# Tests that involve "now", again under a faked wall clock (Debian's faketime) at hours far from
# the 04:00 UTC publish time: proof that none of them depends on the hour the suite runs at.
CLOCK_TESTS := tests/test_run.py tests/test_scheduler.py tests/test_trend.py tests/test_cli.py \
	tests/test_cli_service.py tests/test_commands.py tests/test_dates.py tests/test_service.py
test-clock: $(BIN)/.installed
	faketime -f "@2026-12-02 22:30:00" $(BIN)/pytest -q -p no:cacheprovider $(CLOCK_TESTS)
	faketime -f "@2026-12-03 13:15:00" $(BIN)/pytest -q -p no:cacheprovider $(CLOCK_TESTS)

bench: $(BIN)/.installed  ## pipeline benchmark (the others: see README, Benchmarks)
	$(BIN)/python -m bench.pipeline

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

demo: $(BIN)/.installed  ## offline demo: sample feeds on loopback -> digests, website, posts as text (Ctrl-C stops)
	@$(BIN)/digestbot demo
