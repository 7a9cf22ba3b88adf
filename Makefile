# Ashiatsu Clinic. `make run` for the demo, `make test` for the suite; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
RUN_ENV := DEBUG=true
# Integrity tests also run on SQLite, where serialised writes replace exclusion constraints.
SQLITE_TEST_URL := sqlite:///$(CURDIR)/var/integrity.sqlite3

.PHONY: faults run test test-postgres test-sqlite lint format migrations-check ci clean bench serve loadtest messages

$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12 or newer is needed (found " + sys.version.split()[0] + "); pyenv reads .python-version.")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	@mkdir -p var
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(MANAGE) createcachetable
	$(RUN_ENV) $(MANAGE) seed_demo
	@echo ""
	@echo "  Clinic:  http://127.0.0.1:8000/"
	@echo "  Admin:   http://127.0.0.1:8000/admin/"
	@echo ""
	@echo "  Workers: tasks + the periodic sweep, and e-mail (two db_workers), stopped with the server"
	@trap 'kill 0' INT TERM EXIT; \
	$(RUN_ENV) $(MANAGE) db_worker --interval 2 --sweep-every 30 & \
	$(RUN_ENV) $(MANAGE) db_worker --interval 2 --queue-name mail & \
	$(RUN_ENV) $(MANAGE) runserver 127.0.0.1:8000

test: test-postgres test-sqlite

test-postgres: $(VENV)/.dev
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/pytest $(PYTEST_ARGS)

# Real processes killed and restarted (tests/faults, also part of test-postgres): PostgreSQL
# restarts, two app instances sharing Redis, a supervised serve losing its worker. Each test
# starts its own PostgreSQL, Redis, gunicorn and workers on free 127.0.0.1 ports.
faults: $(VENV)/.dev
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/pytest -m faults tests/faults $(PYTEST_ARGS)

test-sqlite: $(VENV)/.dev
	@mkdir -p var
	DATABASE_URL=$(SQLITE_TEST_URL) $(BIN)/pytest -m db_integrity $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(VENV)/.runtime
	@mkdir -p var
	$(RUN_ENV) $(MANAGE) makemigrations --check --dry-run

ci: lint migrations-check test

# Spanish translations: collect new or changed strings into locale/es/LC_MESSAGES/django.po
# (translate the empty or fuzzy entries there), then compile the .mo that is committed with it.
# Needs GNU gettext (Debian package `gettext`). tests/test_translations.py checks both files.
MESSAGES_IGNORE := --ignore=tests --ignore=bench --ignore=loadtest --ignore=staticfiles --ignore=var --ignore=static
messages: $(VENV)/.runtime
	$(RUN_ENV) $(MANAGE) makemessages -l es --no-obsolete --no-wrap --add-location=file $(MESSAGES_IGNORE)
	$(RUN_ENV) $(MANAGE) compilemessages -l es

# Timings of availability and booking (20-therapist demo), the HTTP ratio of /api/availability
# to /api/services (gunicorn) and a growth curve to 200 therapists / 50,000 appointments, in a
# throwaway PostgreSQL; exits 1 on a missed target. A script, not a test: targets live here,
# never in timed tests.
bench: $(VENV)/.dev
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var/*.sqlite3* .pytest_cache .ruff_cache

# Production-like, supervised: gunicorn, the worker + scheduler, the mail worker, each restarted
# when it dies; needs DATABASE_URL and SECRET_KEY (docs/deployment.md).
serve: $(VENV)/.runtime
	scripts/serve.sh

# 50 users for 40 s against gunicorn on a throwaway PostgreSQL; fails on any 5xx or double booking.
loadtest: $(VENV)/.dev
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m loadtest.run $(LOADTEST_ARGS)
