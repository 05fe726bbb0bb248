# Ordex — two commands set up a machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install demo serve test test-postgres bench lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/ordex migrate --quiet
	$(BIN)/ordex demo
	$(BIN)/ordex serve --host 127.0.0.1 --port 8000

serve: install
	$(BIN)/ordex serve

# pyproject.toml runs the suite on two processes (-n 2); PYTEST_ARGS="-n 0" runs it serially.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL: DATABASE_URL names a database the user may create test databases next to.
test-postgres: install
	@test -n "$(DATABASE_URL)" || { echo "make test-postgres: set DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/NAME" >&2; exit 2; }
	DATABASE_URL="$(DATABASE_URL)" $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache
