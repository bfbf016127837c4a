# One-command entry points. Each target sets itself up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
LINTED := src tests bench tools
# `make demo PORTAL_PORT=9000 BROKER_PORT=9001` runs the demo on other ports.
PORTAL_PORT ?= 8800
BROKER_PORT ?= 8801

.PHONY: demo test coverage lint format typecheck docs check bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[dev,redis]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ehkit demo --portal-port $(PORTAL_PORT) --broker-port $(BROKER_PORT)

# The whole suite with branch coverage, then the figure per package. The
# thresholds are enforced when every service ran (EHKIT_REQUIRE_SERVICES=1, as in
# .ci/run); PYTEST_ARGS="tests/xml -q" runs a part and only prints the table.
test: $(STAMP)
	@rm -f .coverage .coverage.*
	@status=0; $(BIN)/python -m pytest --cov --cov-report= $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -le 1 ]; then \
	  $(BIN)/python tools/coverage_report.py $(if $(PYTEST_ARGS),--partial) || status=$$?; \
	fi; exit $$status

# An HTML report of the last test run, line by line (htmlcov/index.html).
coverage: $(STAMP)
	$(BIN)/python -m coverage html -q
	@echo "htmlcov/index.html"

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: $(STAMP)
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

typecheck: $(STAMP)
	$(BIN)/mypy

# The documentation site, strictly (a broken link or reference fails), into site/.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

# Everything .ci/run checks, without installing system packages or starting services.
check: lint typecheck docs test

bench: $(STAMP)
	@$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov site build *.egg-info src/*.egg-info
