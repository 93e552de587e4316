# dril-ivr: `make run` to try the line locally, `make test` to run every check CI runs.
VENV   := .venv
PYTHON := $(shell command -v python3.11 || command -v python3)
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app app
STAMP  := $(VENV)/.installed

.PHONY: system-packages install run call test test-sqlite test-postgres lint check audit translations prompts bench

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "dril-ivr needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(FLASK) ivr db upgrade
	$(FLASK) ivr check-hours
	@echo
	@echo "The line answers on http://localhost:5000/voice/incoming (SQLite, no Twilio account needed)."
	@echo "Place a simulated call in another terminal:"
	@echo "    .venv/bin/flask --app app ivr call                       # interactive, in-process"
	@echo "    .venv/bin/flask --app app ivr call --url http://localhost:5000   # through this server"
	@echo "    .venv/bin/flask --app app ivr call --at 2026-11-30T10:00:00-05:00 --press 2 --say 'me golpearon' --wait --answer"
	@echo "      (a Monday morning, the line open: a Spanish-speaking caller reports an assault and an operator answers)"
	@echo "Another port? Set IVR_PUBLIC_URL=http://localhost:PORT for the server and the simulator: signatures are checked against it."
	@echo
	$(FLASK) run

call: install
	$(FLASK) ivr db upgrade
	$(FLASK) ivr call

# ruff's rules and format, and mypy --strict over ivr/ (pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

check: install
	$(FLASK) ivr check-hours
	$(FLASK) ivr prompts check
	$(FLASK) ivr translate check

# Known vulnerabilities in the pinned versions installed (pip-audit; .ci/audit.py says how).
audit: install
	$(PY) .ci/audit.py

test-sqlite: install
	$(PY) -m pytest

test-postgres: install
	TEST_DATABASE_URL="$$(bash .ci/postgres)" $(PY) -m pytest

translations: install
	$(FLASK) ivr translate extract
	$(FLASK) ivr translate update
	$(FLASK) ivr translate compile

prompts: install
	$(FLASK) ivr prompts build

# espeak-ng and sox build the Haitian Creole audio; chromium runs the browser tests (tests/browser:
# Playwright drives Debian's build, it downloads none); nginx checks deploy/nginx (`nginx -t`). The
# suite tests each for real.
system-packages:
	@missing=""; for tool in espeak-ng sox chromium nginx; do PATH="$$PATH:/usr/sbin" command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Install$$missing (apt-get install$$missing): the audio build and the browser tests are skipped without them."; fi; \
	fi

test: system-packages lint check audit test-sqlite test-postgres

# The line under load beside a bare Flask endpoint, on SQLite and PostgreSQL (tests/bench/README.md).
# BENCH_QUICK=1 for a few-minute smoke run; BENCH_PROFILE=1 adds a py-spy profile of the workers.
bench: install
	$(PY) -m pip install --quiet py-spy==0.4.3 aiohttp==3.14.5
	$(PY) -m tests.bench.run
