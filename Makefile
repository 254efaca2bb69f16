# The README's two commands: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench lint clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Running needs only the package; tests and lint add their extras on top.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/safewatch serve --demo

# The browser tests drive Debian's chromium; installed here when missing and we may (root).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium is not installed: tests/e2e will skip (and fail under CI=true)"

# One worker per core; a test file stays on one worker, so its fixtures are built once.
# Tests marked `alone` need the machine to themselves: they time how the services ride out
# failures, or build the full threat model (~10 GB). They run next, one at a time (5: none).
TEST_WORKERS ?= 2
test: $(TEST_STAMP) browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not alone" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m alone $(PYTEST_ARGS) || [ $$? = 5 ]

$(VENV)/.installed-load: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[load]'
	touch $@

bench: $(TEST_STAMP) $(VENV)/.installed-load
	$(BIN)/python -m bench

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache build dist
