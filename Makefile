# Palimpsest: everything builds from nothing but Python 3.11, make and pip.
#   make test   set up both environments and run lint + the full test suite (what CI runs)
#   make demo   set up, start the bundled local Wayback, crawl every demo site, print histories, write the report
#   make bench  run every benchmark (quick configurations) and print one table; also writes benchmarks/latest.md

PYTHON ?= python3.11
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv

.PHONY: setup browser postgres test lint demo bench serve clean

setup: .venv/.synced .venv-pywb/.installed

# uv itself, in a private venv, so a machine without uv needs nothing but pip.
$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# The project, pinned by uv.lock. Re-syncs only when the lock or pyproject changes.
.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON) --compile-bytecode
	@touch $@

# pywb pins redis==2.10.6, which breaks Prefect, so it lives in a venv of its own.
.venv-pywb/.installed: demo/pywb-requirements.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) .venv-pywb
	$(UV) pip install --quiet --python .venv-pywb/bin/python --require-hashes -r demo/pywb-requirements.txt
	@touch $@

# The browser test drives Debian's chromium through Playwright (never a browser Playwright downloads) and needs a
# font with Japanese glyphs. As root they are installed with apt-get; otherwise the browser test is skipped.
CHROMIUM := /usr/bin/chromium
BROWSER_PACKAGES := chromium fonts-ipafont-gothic

browser:
	@if [ -x $(CHROMIUM) ] && fc-list :lang=ja 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(BROWSER_PACKAGES) for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(BROWSER_PACKAGES) >/dev/null; \
	else \
		echo "note: $(CHROMIUM) or a Japanese font is missing and needs root to install; browser tests will skip"; \
	fi

# The lake tests (tests/test_lake.py) start a throwaway PostgreSQL with initdb and pg_ctl (as the postgres user when
# run as root). As root it is installed with apt-get when missing; without it those tests fail, they never skip.
postgres:
	@if command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing postgresql for the lake tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			postgresql >/dev/null; \
	else \
		echo "note: PostgreSQL (initdb, pg_ctl) is missing and needs root to install; the lake tests will fail"; \
	fi

lint: .venv/.synced
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

test: setup browser postgres lint
	.venv/bin/pytest

demo: setup
	.venv/bin/palimpsest demo

bench: setup
	.venv/bin/python -m benchmarks.run

# A local Prefect server on loopback, the `palimpsest` process pool, every deployment of prefect.yaml, and a worker
# in the foreground (Ctrl-C twice stops it; the server stops with it). The UI is at http://127.0.0.1:$(PREFECT_PORT).
# The worker's flow runs read PALIMPSEST_* from this environment (warehouse, archive, rates).
PREFECT_PORT ?= 4200
serve: setup
	@export PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api PALIMPSEST_PROJECT_DIR="$(CURDIR)" \
		PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 PATH="$(CURDIR)/.venv/bin:$$PATH"; \
	.venv/bin/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT) & server=$$!; \
	trap 'kill $$server 2>/dev/null; wait $$server' EXIT INT TERM; \
	until .venv/bin/python -c "import urllib.request as u; u.urlopen('$$PREFECT_API_URL/health')" 2>/dev/null; do \
		sleep 1; done; \
	.venv/bin/prefect work-pool create palimpsest --type process --overwrite && \
	.venv/bin/prefect --no-prompt deploy --all && \
	.venv/bin/prefect worker start --pool palimpsest

clean:
	rm -rf .venv .venv-pywb $(TOOLS) demo/build demo/palimpsest.duckdb* demo/report.html
