# illdesk: `make run` serves the embedded default, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install migrate seed run test test-sqlite e2e lint format clean bench backup restore

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24.2"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# The web server, a Celery worker and Celery beat (manage.py serve): without CELERY_BROKER_URL
# they share a queue of files in var/, so no Redis is needed. Ctrl-C stops all three.
run: seed
	@echo "illdesk is serving on http://127.0.0.1:8000 (staff: http://127.0.0.1:8000/admin/)"
	$(BIN)/python manage.py serve 127.0.0.1:8000

test: seed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser journeys alone (tests/e2e): the live app, a Celery worker, SMTP and Chromium.
e2e: install
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

test-sqlite: seed
	ILLDESK_TEST_DB=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)

# The load benchmark (own PostgreSQL, Redis, gunicorn and locust; about 8 minutes). Not part of
# `make test`. BENCH_RECORDS=10000000 for the network-scale run, BENCH_ONLY=queue for the queue
# pages alone, BENCH_ONLY=purge for the retention purge alone; it reports the code's measures too
# (bench.flows, bench.layout). See docs/performance.md.
bench: install
	$(BIN)/python -m bench.run

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy .
	$(BIN)/bandit -r illdesk registration requests_app copyright_rules catalog delivery policy fees -ll -q

# PostgreSQL only (DATABASE_URL): a pg_dump -Fc file, by default backups/illdesk-<timestamp>.dump.
backup:
	scripts/backup.sh $(FILE)

# Replaces the database's illdesk tables with the dump's: make restore FILE=backups/....dump
restore:
	scripts/restore.sh $(FILE)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm var staticfiles .pytest_cache .mypy_cache
