# `make run` and `make test` are the two set-up commands of the README.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export FLASK_APP := lpse

.PHONY: run test install dev-install system-deps translations lint format extract-messages axe-core

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python setup.cfg pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

dev-install: $(VENV)/.dev-installed translations axe-core

# axe-core for the browser tests' accessibility checks, into .cache/ (never served by the app).
axe-core:
	bash scripts/fetch-axe-core.sh

system-deps:
	bash scripts/system-deps.sh

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d translations -f >/dev/null

run: install
	LPSE_ENV=development $(VENV)/bin/flask db upgrade
	LPSE_ENV=development $(VENV)/bin/flask lpse init-ca --if-missing
	LPSE_ENV=development $(VENV)/bin/flask lpse seed-demo
	# The job worker (openings, reconciliation, and every minute the clock's round: bid-set
	# commitments, checkpoints, mail, OCDS bulk files) runs beside the server until it stops.
	mkdir -p instance; LPSE_ENV=development $(VENV)/bin/flask lpse worker > instance/worker.log 2>&1 & \
	  job=$$!; trap 'kill $$job 2>/dev/null' EXIT INT TERM; \
	  LPSE_ENV=development PORT=$(PORT) $(PY) run.py

PORT ?= 5000

# Two workers (pytest-xdist) on the two cores CI has; PostgreSQL gets a database per worker.
TEST_WORKERS ?= 2
test: system-deps dev-install
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

extract-messages:
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
