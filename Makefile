# The two quick-start commands: `make run` and `make test`.
# Both create the virtual environment on first use (and again when
# pyproject.toml changes), so they work on a fresh clone.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,fast]"
	touch $@

## run: set up and start nosetwitch on its embedded SQLite database (demo diary when empty)
run: $(BIN)/.installed
	$(BIN)/nosetwitch start

## test: set up and run the whole test suite (SQLite, PostgreSQL, browser)
test: $(BIN)/.installed
	bash scripts/test-prereqs.sh
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

## bench: print every performance figure
bench: $(BIN)/.installed
	for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis artifacts
