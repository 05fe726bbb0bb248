# Ordex — two commands set up a machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install system-deps messages demo serve test test-postgres bench lint format clean

# Debian packages the tests need: chromium and CJK fonts for the browser tests (not with ORDEX_SKIP_BROWSER=1),
# gettext for the translation catalogues. Installed with apt when absent (as root, or through sudo).
SYSTEM_PACKAGES := gettext $(if $(filter 1,$(ORDEX_SKIP_BROWSER)),,chromium fonts-noto-cjk)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

system-deps:
	@missing=""; for package in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Translation catalogues: after changing user-facing text, run this, write the zh-Hans text into each app's
# locale/zh_Hans/LC_MESSAGES/django.po, and run it again (it compiles the .mo files, which are committed).
messages: install system-deps
	for app in ordex/*/; do [ -d $$app/locale ] || continue; \
	  (cd $$app && ../../$(BIN)/django-admin makemessages -l zh_Hans --settings=ordex.settings --no-obsolete >/dev/null && \
	   msgfmt --check -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po); done

PORT ?= 8000
demo: install
	@$(BIN)/python -c "import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $(PORT))) == 0)" \
	  || { echo "make demo: port $(PORT) is taken; choose another with PORT=... (e.g. make demo PORT=8123)" >&2; exit 2; }
	$(BIN)/ordex migrate --quiet
	$(BIN)/ordex demo --port $(PORT)
	$(BIN)/ordex serve --host 127.0.0.1 --port $(PORT)

serve: install
	$(BIN)/ordex serve

# pyproject.toml runs the suite on two processes (-n 2); PYTEST_ARGS="-n 0" runs it serially.
test: install system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL: DATABASE_URL names a database the user may create test databases next to.
test-postgres: install system-deps
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
