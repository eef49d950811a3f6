# Masthead: `make demo` to try it, `make test` to test it. Only Python 3.12+ and make are needed.
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint fmt check serve bench-serve bench-import bench-import-substack bench-search bench-pages bench-delivery bench-chat bench-stats clean

# PAID=1: paid plans on localstripe, a local Stripe stand-in, installed on first use.
demo: $(VENV)/.installed
	$(if $(PAID),$(BIN)/python -c "import localstripe" 2>/dev/null || $(BIN)/python -m pip install --quiet localstripe)
	$(BIN)/masthead demo --port $(PORT) $(if $(PAID),--paid)

test: $(VENV)/.installed-test
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Exactly what CI runs (against whichever DATABASE_URL / REDIS_URL are set).
check: lint test

bench-serve: $(VENV)/.installed
	$(BIN)/python bench/serve_pages.py

bench-delivery: $(VENV)/.installed
	$(BIN)/python bench/delivery.py $(RECIPIENTS)

# The clients use the `websockets` package, from the test extras.
bench-chat: $(VENV)/.installed-test
	$(BIN)/python bench/chat.py $(CLIENTS)

bench-import: $(VENV)/.installed
	$(BIN)/python bench/import_subscribers.py $(ROWS)

bench-import-substack: $(VENV)/.installed
	$(BIN)/python bench/import_substack.py

# Needs wrk (apt install wrk).
bench-pages: $(VENV)/.installed
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

# A year of 100,000 subscribers, then every dashboard page as the writer (BENCH_ARGS="--subscribers 2000" for a quick run).
bench-stats: $(VENV)/.installed
	$(BIN)/python bench/stats.py $(BENCH_ARGS)

bench-search: $(VENV)/.installed
	$(BIN)/python bench/search.py

serve: $(VENV)/.installed
	$(BIN)/masthead serve --port $(PORT)

$(VENV)/bin/python:
	@python=$$(bin/find-python) && "$$python" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) var build src/*.egg-info
