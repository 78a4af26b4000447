# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# The fast tests run on every core (pytest-xdist; each worker has its own test database);
# `make pytest XDIST=` runs them in one process.
XDIST ?= -n auto --dist loadfile

.PHONY: run test test-deps lint typecheck pytest pytest-sqlite pytest-postgres install install-test clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "SupportLine needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

test-deps:
	bash scripts/test-deps.sh

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

data/secret_key:
	mkdir -p data
	$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	chmod 600 $@

## make run: environment, migrated embedded database, demo data, server on 127.0.0.1:$(PORT)
run: install data/secret_key
	SECRET_KEY_FILE=data/secret_key $(BIN)/supportline migrate --noinput -v 0
	SECRET_KEY_FILE=data/secret_key $(BIN)/supportline demo
	@echo
	@echo "SupportLine: http://127.0.0.1:$(PORT)/   (админка: http://127.0.0.1:$(PORT)/admin/, API: http://127.0.0.1:$(PORT)/api/docs)"
	@echo "Остановить: Ctrl-C"
	@echo "Исходящая почта демо пишется в файлы: data/outbox/"
	DEBUG=1 SECRET_KEY_FILE=data/secret_key EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend \
		$(BIN)/supportline serve 127.0.0.1:$(PORT)

## make test: lint, types, the whole suite on SQLite and on PostgreSQL where reachable
test: install-test test-deps lint typecheck pytest

lint: install-test
	$(BIN)/ruff check src tests $(wildcard bench) scripts
	$(BIN)/ruff format --check src tests $(wildcard bench) scripts
	$(BIN)/lint-imports

typecheck: install-test
	$(BIN)/mypy

pytest: pytest-sqlite pytest-postgres

# Slow process-level tests (marker `slow`) and the schemathesis run (marker `schemathesis`) run
# once: in the PostgreSQL pass, or on SQLite when no PostgreSQL is reachable.
pytest-sqlite: install-test
	@echo "== pytest on SQLite (slow process-level tests and schemathesis run in the PostgreSQL pass)"
	env -u DATABASE_URL $(BIN)/pytest $(XDIST) -m "not slow and not schemathesis"

pytest-postgres: install-test
	@url="$${DATABASE_URL:-$(PG_URL)}"; \
	if $(BIN)/python -m supportline.lib.pgcheck "$$url"; then \
		echo "== pytest on PostgreSQL ($$url)"; \
		DATABASE_URL="$$url" $(BIN)/pytest $(XDIST) -m "not slow and not schemathesis" && \
		echo "== slow process-level tests and schemathesis on PostgreSQL, one at a time" && \
		DATABASE_URL="$$url" $(BIN)/pytest --durations=15 -m "slow or schemathesis"; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable at $$url, and CI must test on it"; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $$url: the PostgreSQL pass is skipped; slow tests and schemathesis on SQLite"; \
		env -u DATABASE_URL $(BIN)/pytest -m "slow or schemathesis"; \
	fi

clean:
	rm -rf $(VENV) build *.egg-info
