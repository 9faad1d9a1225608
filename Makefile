# briefgen: `make brief` builds every brief (PDFs in build/pdf/); `make test` runs every check.
# Both set everything up first: Debian packages (scripts/system-deps.sh), then .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
BRIEFGEN := $(VENV)/bin/briefgen

.PHONY: brief site test lint format golden bench clean lock deps-brief deps-test deps-bench

brief: deps-brief $(STAMP)
	$(BRIEFGEN) build

site: deps-brief $(STAMP)
	$(BRIEFGEN) site

deps-brief:
	@bash scripts/system-deps.sh brief

deps-test:
	@bash scripts/system-deps.sh test

deps-bench:
	@bash scripts/system-deps.sh bench

# Installed from the lock: every package, transitive ones included, at the version the golden
# files and benchmarks were made with. `make lock` refreshes it (then review and commit it).
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# The newest versions pyproject.toml allows, resolved in a throw-away venv, frozen.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	{ echo '# The lock: `make lock` writes it (pip freeze of a fresh install of .[dev]); `make` installs with it.'; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable --disable-pip-version-check; } > constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt && rm -rf .lock-venv

test: deps-test $(STAMP) lint
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check briefgen tests bench scripts
	$(VENV)/bin/ruff format --check briefgen tests bench scripts
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format briefgen tests bench
	$(VENV)/bin/ruff check --fix briefgen tests bench

golden: $(STAMP)
	BRIEFGEN_UPDATE_GOLDEN=1 $(PY) -m pytest -q -p no:cacheprovider tests/test_golden.py

bench: deps-bench $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf build .briefgen-cache bench/.work
