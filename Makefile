# Hundred Days: the few targets people expect.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint format install install-dev messages e2e audit clean bench bench-smoke scaleout-check reliability security check-production

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

## messages: refresh the catalogues after changing strings (needs GNU gettext); the .mo files are committed
messages: install-dev
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages -l es -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=test-results --ignore=bench --ignore=tests --ignore=cli --no-obsolete
	DJANGO_DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv

## run: set everything up and serve the demo on http://127.0.0.1:8000 (SQLite)
run: install
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput -v0
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

## test: the whole suite on every CPU (uses DATABASE_URL when set, else SQLite)
test: install-dev
	$(BIN)/python -m pytest -q -n auto --ds=hundreddays.test_settings

## lint: the import contracts (pyproject.toml, docs/architecture.md) first, then ruff, migrations in step, Django's checks
lint: install-dev
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run -v0
	DJANGO_DEBUG=true $(BIN)/python manage.py check

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 test-results

## e2e: the browser journeys alone (Chromium from apt: apt-get install -y chromium); `make test` runs them too
e2e: install-dev
	$(BIN)/python -m pytest -q --ds=hundreddays.test_settings tests/e2e

## audit: Lighthouse, the Nu HTML Checker and axe on the demo, served as in production (scripts/audit.py)
audit: install-dev
	$(BIN)/python scripts/audit.py

## bench: the full benchmark against the ceiling view (about 30 min; docs/performance.md); results in bench/results/
bench: install-dev
	$(BIN)/python bench/run.py

## bench-smoke: CI: small dataset, 1 s a page; fails on any error response or a page over its query budget
bench-smoke: install-dev
	$(BIN)/python bench/run.py --smoke

## scaleout-check: two instances behind nginx sharing PostgreSQL and the cache, database cache then Redis (scripts/scaleout.py)
scaleout-check: install-dev
	$(BIN)/python scripts/scaleout.py

## reliability: migration lint, reloads, pathological Markdown, database restart (CI=true or RELIABILITY_RESTART_DB=1), soak, backups (scripts/reliability/run.py, about 4 min; --doc refreshes docs/reliability.md); the double-submit tests run in `make test`
reliability: install-dev
	$(BIN)/python scripts/reliability/run.py

## security: bandit, the local semgrep rules, the MDN Observatory grade over TLS (A+) (scripts/security.py; --doc refreshes docs/security.md); the security tests run in `make test`
security: install-dev
	$(BIN)/python scripts/security.py

## check-production: the compose file, Dockerfile, entrypoint and gunicorn with production settings, check --deploy (scripts/check_production.py)
check-production: install-dev
	$(BIN)/python scripts/check_production.py
