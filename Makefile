# make demo   -- create .venv, install allyshore, write the demo report
# make test   -- install dev tools (and Chromium where missing), run ruff, mypy and pytest
# make mutation -- mutation testing of the numeric kernels with mutmut, one module at a time (docs/testing.md)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test lint typecheck pytest install dev chromium axe-core bench clean contracts mutation mutation-resume fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/allyshore demo --out $(OUT)

# Debian's Chromium for the report and browser tests; installed only where missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# axe-core (MPL-2.0, used unmodified as a test tool) for the web pages' accessibility checks in the browser
# tests: taken from the npm registry into build/ (not committed), with npm from Debian where missing.
AXE_VERSION ?= 4.14.1
AXE_DIR     := build/axe-core

axe-core: $(AXE_DIR)/axe.min.js

$(AXE_DIR)/axe.min.js:
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian's npm to fetch axe-core"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	@mkdir -p $(AXE_DIR)
	cd $(AXE_DIR) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js package/LICENSE package/package.json \
	  && rm axe-core-$(AXE_VERSION).tgz

lint: dev
	$(BIN)/ruff check src tests benchmarks scripts

typecheck: dev
	$(BIN)/mypy

pytest: dev chromium axe-core
	$(BIN)/pytest

test: lint typecheck pytest

contracts: install
	$(BIN)/allyshore demo --out $(OUT) >/dev/null
	$(BIN)/python ../shared/checks/contracts.py

# The kernels mutated (mutants named module.function__mutmut_N); the roll-up last. [tool.mutmut] in
# pyproject.toml lists the files and the tests; MUTATION_CHILDREN workers (2 cores).
MUTATION_MODULES ?= allyshore.origin.rvc allyshore.origin.tariff_shift allyshore.cost.kernel \
                    allyshore.resilience.linear_programs allyshore.model.rollup allyshore.immex.fifo
MUTATION_CHILDREN ?= 2

mutation: dev
	@for module in $(MUTATION_MODULES); do \
	  echo "mutmut: $$module"; \
	  $(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) "$$module.*" >/dev/null || exit 1; \
	done
	$(BIN)/python scripts/mutation_summary.py --min 90

# Resume stopped runs: only the mutants of MUTATION_MODULES not checked yet (mutmut re-checks every mutant it is named).
mutation-resume: dev
	@for module in $(MUTATION_MODULES); do \
	  names=$$($(BIN)/python scripts/mutation_summary.py --unchecked $$module); \
	  [ -z "$$names" ] || $(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $$names >/dev/null || exit 1; \
	done
	$(BIN)/python scripts/mutation_summary.py --min 90

# The long fuzz pass: every test marked `fuzz`, with the "fuzz" hypothesis profile (tests/conftest.py).
fuzz: dev
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -m fuzz -p no:randomly -q

bench: dev
	$(BIN)/python benchmarks/bench_rollup.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache mutants
