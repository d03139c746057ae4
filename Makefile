# Sanctuary: `make run` serves the demo, `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := sanctuary.settings

.PHONY: run serve install test lint typecheck pytest pytest-pg bench lock messages clean system-deps system-deps-tests

# Debian packages, installed when missing (as root; otherwise it prints the command and stops).
# Order-only below: checking them never makes the venv out of date.
system-deps:
	@scripts/system-deps

system-deps-tests:
	@scripts/system-deps --tests

$(STAMP): requirements/base.txt requirements/dev.txt | system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet --require-hashes -r requirements/base.txt -r requirements/dev.txt
	@touch $(STAMP)

install: $(STAMP)

# Compiled translations are generated, not committed: ours, and ours of Django's messages.
CATALOGUES := $(foreach dir,locale locale_django,$(foreach lang,my th,sanctuary/$(dir)/$(lang)/LC_MESSAGES/django.mo))
# One run compiles them all (a grouped target).
$(CATALOGUES) &: $(CATALOGUES:.mo=.po) $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv -v0
	@touch $(CATALOGUES)

messages: $(STAMP) $(CATALOGUES)

run: $(STAMP) messages
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo
	@echo "WARNING: demo logins above are public. Serving http://$(HOST):$(PORT)/"
	SANCTUARY_DEMO_AUTO_UNSEAL=1 $(BIN)/gunicorn -c sanctuary/gunicorn.conf.py --bind $(HOST):$(PORT) sanctuary.wsgi

lint: $(STAMP)
	$(BIN)/ruff check sanctuary tests
	$(BIN)/ruff format --check sanctuary tests
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy sanctuary

# The suite on SQLite, then on PostgreSQL when DATABASE_URL is set.
pytest: system-deps-tests $(STAMP) messages
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

pytest-pg: system-deps-tests $(STAMP) messages
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$DATABASE_URL"; $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS); \
	else echo "== DATABASE_URL not set: PostgreSQL run skipped (.ci/run sets it)"; fi

test: system-deps-tests lint typecheck
	env -u DATABASE_URL $(MAKE) --no-print-directory pytest
	$(MAKE) --no-print-directory pytest-pg

bench: $(STAMP) messages
	$(PY) -m tests.bench.run

lock:
	$(PY) -m pip install --quiet pip-tools
	cd requirements && ../$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras base.in -o base.txt
	cd requirements && ../$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras dev.in -o dev.txt

clean:
	rm -rf $(VENV) var
