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

# The rich post editor: editor/ built by esbuild into one committed script and stylesheet.
# Needs Node 20+ and npm (Debian: apt-get install nodejs npm) only to rebuild or check them.
.PHONY: editor editor-check
EDITOR_BUNDLE := src/masthead/static/masthead

editor: editor/node_modules/.package-lock.json
	cd editor && node build.mjs ../$(EDITOR_BUNDLE)

editor/node_modules/.package-lock.json: editor/package-lock.json
	cd editor && npm ci --no-audit --no-fund

# Fails when the committed bundle is not what its sources build (run `make editor`, commit).
editor-check: editor/node_modules/.package-lock.json
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && (cd editor && node build.mjs "$$out") && \
	for name in editor-rich.js editor-rich.css; do \
	  cmp -s "$$out/$$name" $(EDITOR_BUNDLE)/$$name || { \
	    echo "$(EDITOR_BUNDLE)/$$name does not match editor/src: run 'make editor' and commit the result." >&2; exit 1; }; \
	done && echo "The editor bundle matches its sources."

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
