# Keepwarm: `make run` starts everything, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/keepwarm
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-sqlite test-postgres lint format bench install chromium dovecot migrate clean screenshots fuzz loadtest

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput -v0

run: migrate
	@$(PY) manage.py seed_demo --if-empty
	@$(PY) manage.py generate_reminders --user demo  # the demo has its reminders before the first hourly beat
	@DEBUG=$${DEBUG:-1} bash scripts/run.sh

# Debian's Chromium for the browser tests (never a browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# Debian's dovecot for the mailbox tests: a throw-away IMAP server on loopback that the
# tests start in a temporary directory (sources/tests/dovecot.py); no system service is used.
dovecot:
	@command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || { \
	  echo "installing Debian's dovecot-imapd for the mailbox tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install chromium dovecot lint
	$(PY) manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	$(VENV)/bin/pytest -n 2 --dist loadgroup

# The model, view and service tests again on PostgreSQL. With CI set a missing
# server fails the run; elsewhere this pass is skipped with a reason.
test-postgres: install
	@if $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
	  DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -n 2 --dist loadgroup -m "not e2e"; \
	elif [ -n "$$CI" ]; then echo "PostgreSQL is not reachable at 127.0.0.1:5432 and CI is set"; exit 1; \
	else echo "SKIPPED: PostgreSQL pass (no server at 127.0.0.1:5432)"; fi

# The fuzz targets (marker `fuzz`) with 10,000 examples each, on SQLite then PostgreSQL
# (where NUL bytes matter): long; `make test` runs them briefly.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(VENV)/bin/pytest -n 2 -m fuzz
	@if $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
	  HYPOTHESIS_PROFILE=fuzz DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -n 2 -m fuzz; \
	else echo "SKIPPED: PostgreSQL fuzz pass (no server at 127.0.0.1:5432)"; fi

bench: migrate
	$(PY) -m bench.run

# Load test (issue #14): locust, 50 users, against gunicorn + PostgreSQL + Redis on loopback;
# 60 s with think time, then 60 s saturation. Tables in var/loadtest.md. Skipped without the servers.
loadtest: install
	$(PY) -m loadtest.run

# The README's screenshots (desktop and phone), taken from the demo network by a browser test.
screenshots: install chromium
	$(VENV)/bin/pytest -q -p no:cacheprovider tests/e2e/test_readme_screenshots.py
	mkdir -p docs/screenshots
	for name in dashboard contact import-result; do \
	  cp artifacts/readme-desktop-$$name.png docs/screenshots/desktop-$$name.png; \
	  cp artifacts/readme-phone-$$name.png docs/screenshots/phone-$$name.png; \
	done

clean:
	rm -rf var/ artifacts/ $(VENV)
