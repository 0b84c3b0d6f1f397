# Quick start: `make demo` (set up + demo packets), then `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Python's bytecode caches (under __pycache__/, git-ignored): the tests start many Python processes,
# and some machines turn the caches off by default, which costs each process its compile time.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: setup lock audit demo test test-fast lint typecheck docs bench mutate mutate-sample clean

NODE_STAMP := node_modules/.installed

setup: $(STAMP) $(NODE_STAMP)

# Every package comes from the lock (requirements.lock: exact versions, each file's hash), then the
# project itself without its dependencies; pyproject.toml's ranges are what the lock is written from.
$(STAMP): pyproject.toml requirements.lock scripts/install-system-packages.sh
	bash scripts/install-system-packages.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# axe-core for the browser tests' accessibility check (tests/web/test_axe.py), exactly as the lock says.
$(NODE_STAMP): package.json package-lock.json scripts/install-system-packages.sh
	bash scripts/install-system-packages.sh
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The lock written again from pyproject.toml's dependencies and dev extras, for Python 3.11 on Linux
# x86_64, keeping the pinned versions that still fit (`make lock LOCK_FLAGS=--upgrade` takes the newest
# of everything). See docs/developing/dependencies.md.
LOCK_FLAGS ?=
lock: $(STAMP)
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu --custom-compile-command 'make lock' --quiet \
		$(LOCK_FLAGS) -o requirements.lock

# The lock against PyPI's advisories (pip-audit): fails on a known vulnerability, a notice where PyPI
# cannot be reached.
audit: setup
	$(PY) scripts/audit-dependencies.py

demo: setup
	@for f in examples/appointments/*.yaml examples/appointments/*.json; do \
		$(PY) generate.py packet "$$f" --out output || exit 1; \
	done

lint: setup
	$(VENV)/bin/ruff check packetgen tests benchmarks scripts generate.py
	$(VENV)/bin/ruff format --check packetgen tests benchmarks scripts generate.py

typecheck: setup
	$(VENV)/bin/mypy packetgen

test: lint typecheck audit
	$(PY) generate.py validate
	$(VENV)/bin/mkdocs build --strict
	$(PY) -m pytest -q

# The edit-test loop: everything but the tests that need a system server or tool (PostgreSQL, CUPS,
# Chromium, PDFBox: marker `servers`) or start `generate.py` as a program (`process`), in two
# processes. `make test` still runs everything, and fails when a tool is missing. The tests' files go to
# memory (/dev/shm) where there is one, so their databases' commits wait for no disk; removed after.
test-fast: setup
	@base=$$(mktemp -d -p /dev/shm packetgen-tests.XXXXXX 2>/dev/null || mktemp -d); \
	$(PY) -m pytest -q -m "not servers and not process and not slow" -n 2 -p no:cacheprovider --basetemp=$$base; \
	status=$$?; rm -rf $$base; exit $$status

# The manual: the settings reference written again from packetgen/settings.py, the JSON Schemas of the
# files people write (schemas/) from packetgen/models, then the site in site/.
docs: setup
	$(PY) scripts/settings-reference.py
	$(PY) scripts/schemas.py
	$(VENV)/bin/mkdocs build --strict

bench: setup
	$(PY) benchmarks/packet.py

# Mutation testing of the intake, personalize, checks, the batch, the PDF stages, the listener,
# delivery, the store and the web (see [tool.mutmut] in pyproject.toml): not part of `make test`;
# run it before resolving an issue that touches those packages. All of it takes hours on 2 cores:
# `make mutate ONLY='packetgen.delivery*'` runs one package. `mutants/` holds its work and results.
mutate: setup
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 2 $(ONLY) || true
	$(PY) scripts/mutation-score.py

# The same, on a seeded random sample of SAMPLE mutants a package (scripts/mutation-sample.py): each
# package's score with its 95 % interval in a few hours. `--report-only` prints the last run's table.
SAMPLE ?= 25
mutate-sample: setup
	rm -rf mutants
	$(PY) scripts/mutation-sample.py --sample $(SAMPLE)

clean:
	rm -rf $(VENV) node_modules output/*.pdf .pytest_cache .mypy_cache .ruff_cache mutants site
