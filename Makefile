# Concord — the two commands that matter: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo install test test-postgres lint bench messages clean serve

# Only creates the environment; other targets depend on it.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

.venv: $(BIN)/python

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/concord demo $(DEMO_ARGS)

serve: $(STAMP)
	$(BIN)/concord serve

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# The suite on a throwaway PostgreSQL cluster (scripts/pg-cluster.sh; needs the server binaries).
test-postgres: $(STAMP)
	@set -e; dir=$$(mktemp -d); \
	trap 'scripts/pg-cluster.sh stop "$$dir"' EXIT; trap 'exit 130' INT TERM; \
	url=$$(scripts/pg-cluster.sh start "$$dir"); \
	echo "DATABASE_URL=$$url"; \
	DATABASE_URL="$$url" $(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy concord config
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/concord makemigrations --check --dry-run
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Rebuild the translation catalogues after changing a page (needs GNU gettext).
APPS_WITH_MESSAGES = core designations cyber operations crisis

messages: $(STAMP)
	for app in $(APPS_WITH_MESSAGES); do \
		(cd concord/$$app && mkdir -p locale && \
		 ../../$(BIN)/concord makemessages -l ru -l en --no-obsolete && \
		 ../../$(BIN)/concord compilemessages) || exit 1; \
	done

clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache .ruff_cache
