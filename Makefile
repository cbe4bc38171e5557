# The one entry point for contributors and CI. `make help` lists the targets.
# Quick start (README.md): `make dist` then `make test`.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BAML_CLI := $(VENV)/bin/baml-cli
MATURIN := $(VENV)/bin/maturin
STAMPS := .stamps
TEST_VENV := .cache/test-venv
SDIST_VENV := .cache/sdist-venv
DJANGO_VENV := .cache/django-venv
# hypothesis stays at 6.170.0: later releases drop an internal hypothesis-jsonschema 0.23.1 uses.
PYTHON_TEST_DEPS := pytest==9.2.0 cloudevents==2.2.0 hypothesis==6.170.0 hypothesis-jsonschema==0.23.1 Django==5.2.19 channels==4.3.2 redis==8.2.0 msgpack==1.2.4 websockets==17.4 pyright==1.1.414 mypy==2.4.1
TS := packages/typescript
CONTRACTS := cargo run -q -p contracts-compiler --bin contracts --
# Crates whose test harness cannot link outside their host runtime (Python/Node).
CARGO_TEST_FLAGS := --workspace --exclude py-binding --exclude node-binding

.PHONY: help setup generate build dist catalog test test-rust test-baml test-python test-sdist test-node test-frontend test-interop test-catalog test-django test-repo lint fmt bench bench-delivery bench-core bump release-rehearsal check-bump check-generated ready clean dev fuzz upgrade-baml

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: $(STAMPS)/venv $(STAMPS)/protoc $(STAMPS)/npm $(STAMPS)/browser $(STAMPS)/interop ## Install the toolchain: .venv, protoc, node_modules, Chromium + playwright-core, the interop test tools

$(STAMPS)/venv: requirements-dev.txt tools/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@mkdir -p $(STAMPS) && touch $@

# protoc is needed to build the `baml` crate used by the generated Rust SDK.
$(STAMPS)/protoc:
	@if ! command -v protoc >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq protobuf-compiler >/dev/null; \
	fi
	@protoc --version
	@mkdir -p $(STAMPS) && touch $@

# Browser tests drive Debian's Chromium through playwright-core (tools/browser);
# a browser download from a test tool's own CDN is never used.
# CHROMIUM=/path overrides; otherwise the first of these, or Debian's package installed with apt.
CHROMIUM_CANDIDATES := /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome
$(STAMPS)/browser: tools/browser/package.json tools/browser/package-lock.json
	@found="$${CHROMIUM:-}"; for c in $(CHROMIUM_CANDIDATES); do [ -n "$$found" ] || { [ -x "$$c" ] && found="$$c"; }; done; \
	if [ -z "$$found" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	  found=/usr/bin/chromium; \
	fi; \
	"$$found" --version
	cd tools/browser && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# The official tools the AsyncAPI document and the CloudEvents binding are
# checked with (@asyncapi/parser, ajv, the cloudevents SDK): test-only.
$(STAMPS)/interop: tests/interop/package.json tests/interop/package-lock.json
	cd tests/interop && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/npm: $(TS)/package.json $(TS)/package-lock.json
	cd $(TS) && npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

generate: setup ## Regenerate the three SDKs, the core registry, mirror and history, and the JSON Schemas from baml_src/
	$(BAML_CLI) generate --from baml_src 2>&1 | grep -v '^\s*$$' | tail -n 2
	$(CONTRACTS) gen

build: generate ## Build the wheel, sdist and npm tarball into dist/
	rm -rf dist && mkdir -p dist
	cargo build --workspace --exclude py-binding --exclude node-binding
	cd packages/python && ../../$(MATURIN) build --release --out ../../dist --quiet
	cd packages/python && ../../$(MATURIN) sdist --out ../../dist
	cd $(TS) && npm run --silent build && npm pack --silent --pack-destination ../../dist >/dev/null
	$(CONTRACTS) catalog --out dist/catalog
	cp crates/contracts-core/schemas/asyncapi.json dist/asyncapi.json
	@ls -1 dist

dist: build ## Set up everything and produce all artifacts in dist/ (Quick start line 1)

catalog: generate ## The static event catalog alone into dist/catalog/ (open dist/catalog/index.html)
	rm -rf dist/catalog
	$(CONTRACTS) catalog --out dist/catalog

# Each check has one home here and runs once per `make test` (make runs a prerequisite once
# however many targets name it): release-rehearsal names check-bump and check-generated too.
test: test-rust test-baml test-repo test-python test-sdist test-node test-frontend test-interop test-catalog test-django check-bump check-generated release-rehearsal lint ## Run every test and the lints (Quick start line 2)

test-rust: generate ## contracts check, cargo tests, doctests and the shared vectors
	$(CONTRACTS) check
	cargo test $(CARGO_TEST_FLAGS)

test-baml: setup ## baml-cli test against the offline stub LLM
	$(PY) tools/baml_test_offline.py

test-repo: setup ## Repository checks: pins, workflows, event bindings, artifacts
	$(PY) -m pytest tests/repo -q

# The Python tests run against the built wheel installed in a fresh venv, not the source tree.
test-python: setup ## pytest against the installed wheel
	@ls dist/coach_app_baml_client-*-abi3-*.whl >/dev/null 2>&1 || { echo "no wheel in dist/: run 'make dist' first" >&2; exit 1; }
	rm -rf $(TEST_VENV) && $(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/pip install -q --disable-pip-version-check dist/coach_app_baml_client-*-abi3-*.whl $(PYTHON_TEST_DEPS)
	cd packages/python && COACH_REQUIRE_OPTIONAL_TESTS=1 COACH_REPO_ROOT=$(CURDIR) ../../$(TEST_VENV)/bin/python -m pytest -q -p no:cacheprovider tests

# The fast loop: the package built in develop mode (the `develop` profile) into .venv, then pytest
# from the source tree. The wheel-based `make test-python` stays what CI runs.
dev: generate $(STAMPS)/dev-deps ## Build the Python package in develop mode into .venv and run its pytest (ARGS=... passes pytest options)
	cd packages/python && VIRTUAL_ENV=$(CURDIR)/$(VENV) ../../$(MATURIN) develop --quiet --profile develop
	cd packages/python && COACH_REPO_ROOT=$(CURDIR) ../../$(PY) -m pytest -q -p no:cacheprovider tests $(ARGS)

$(STAMPS)/dev-deps: $(STAMPS)/venv Makefile
	$(VENV)/bin/pip install -q --disable-pip-version-check $(PYTHON_TEST_DEPS)
	@mkdir -p $(STAMPS) && touch $@

# The sdist must build from source without baml-cli or baml_src (it carries the generated code).
test-sdist: setup ## Build the sdist in a fresh venv and run the vector tests against it
	@ls dist/coach_app_baml_client-*.tar.gz >/dev/null 2>&1 || { echo "no sdist in dist/: run 'make dist' first" >&2; exit 1; }
	rm -rf $(SDIST_VENV) && $(PYTHON) -m venv $(SDIST_VENV)
	$(SDIST_VENV)/bin/pip install -q --disable-pip-version-check dist/coach_app_baml_client-*.tar.gz pytest==9.2.0
	cd packages/python && COACH_REPO_ROOT=$(CURDIR) ../../$(SDIST_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_validation.py

# Real PostgreSQL and Redis on loopback, started and stopped by tools/services.py.
test-django: setup ## The Django + Channels example end to end against the installed wheel
	@ls dist/coach_app_baml_client-*-abi3-*.whl >/dev/null 2>&1 || { echo "no wheel in dist/: run 'make dist' first" >&2; exit 1; }
	rm -rf $(DJANGO_VENV) && $(PYTHON) -m venv $(DJANGO_VENV)
	$(DJANGO_VENV)/bin/pip install -q --disable-pip-version-check dist/coach_app_baml_client-*-abi3-*.whl -r examples/django/requirements.txt -r tools/requirements.txt
	$(DJANGO_VENV)/bin/python tools/services.py run -- $(DJANGO_VENV)/bin/python -m pytest -q -p no:cacheprovider examples/django/tests

test-node: setup ## node:test against the packed npm tarball: both validate builds, vectors, differential, types
	cd $(TS) && npm test

# Real headless Chromium (tools/browser), opening dist/catalog/ from disk; screenshots go to dist/screenshots/.
test-catalog: setup ## The event catalog in headless Chromium: index, search, an event page
	@test -f dist/catalog/index.html || { echo "no catalog in dist/: run 'make dist' (or 'make catalog') first" >&2; exit 1; }
	node --test --test-reporter=tap tests/catalog/

test-interop: setup ## The AsyncAPI document with @asyncapi/parser, the CloudEvents binding with the cloudevents SDK (npm tarball)
	@ls dist/*coach-app-baml-client-*.tgz >/dev/null 2>&1 || { echo "no npm tarball in dist/: run 'make dist' first" >&2; exit 1; }
	cd tests/interop && npm test

# The example frontend, bundled from the packed tarball, in Debian's headless Chromium.
test-frontend: setup ## The example frontend in headless Chromium: every vector through the browser build
	@ls dist/*.tgz >/dev/null 2>&1 || { echo "no npm tarball in dist/: run 'make dist' first" >&2; exit 1; }
	node --test --test-reporter=tap examples/frontend/test/*.test.mjs

lint: generate ## fmt, clippy -D warnings, ruff, tsc --noEmit
	cargo fmt --all --check
	cargo clippy $(CARGO_TEST_FLAGS) --all-targets -- -D warnings
	cargo clippy -p py-binding -p node-binding -- -D warnings
	cargo clippy --manifest-path fuzz/Cargo.toml --all-targets -- -D warnings
	$(VENV)/bin/ruff check packages/python tools tests examples
	$(VENV)/bin/ruff format --check packages/python tools tests examples
	cd $(TS) && npm run --silent typecheck

fmt: setup ## Format Rust and Python sources
	cargo fmt --all
	$(VENV)/bin/ruff format packages/python tools tests examples

bump: setup ## Bump the one version everywhere + CHANGELOG entry: make bump PART=patch|minor|major|X.Y.Z [ARGS=--allow-dirty]
	@test -n "$(PART)" || { echo "usage: make bump PART=patch|minor|major|X.Y.Z [ARGS=--allow-dirty|--dry-run]" >&2; exit 2; }
	$(PY) tools/bump.py $(PART) $(ARGS)

# REHEARSAL_DIST: the artifacts to publish (release.yml passes dist/release, every platform's).
REHEARSAL_DIST ?= dist
# The release gate is check-bump + check-generated (make) and tools/release_checks.py (the rest).
release-rehearsal: setup check-bump check-generated ## Publish dist/ to local pypiserver + verdaccio with tools/publish.py, install, validate, failure drills
	@ls dist/coach_app_baml_client-*-abi3-*.whl >/dev/null 2>&1 || { echo "no wheel in dist/: run 'make dist' first" >&2; exit 1; }
	$(PY) tools/release_rehearsal.py --dist $(REHEARSAL_DIST) $(ARGS)

check-bump: ## Fail when baml_src changed since the last release tag without a big enough version bump
	@tag=$$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null || true); \
	if [ -z "$$tag" ]; then echo "check-bump: no release tag yet, nothing to compare"; \
	else $(CONTRACTS) check-bump --against "$$tag"; fi

bench: generate ## Python, Node, Rust and delivery benchmarks + the 3-way differential -> BENCHMARKS.md (uses dist/, builds nothing)
	@ls dist/coach_app_baml_client-*-abi3-*.whl dist/*.tgz >/dev/null 2>&1 || { echo "no artifacts in dist/: run 'make dist' first" >&2; exit 1; }
	$(PYTHON) tools/bench.py

bench-delivery: ## The delivery benchmark alone: streams layer vs channels_redis on real Redis, PostgreSQL, 2 daphne, 500 sockets -> BENCHMARKS.md's Delivery section (ARGS=--delivery-python .venv/bin/python ...)
	$(PYTHON) tools/bench.py --only delivery $(ARGS)

bench-core: generate ## criterion benchmarks of contracts-core next to its baselines, as a ratio table
	cargo bench -q -p contracts-core --bench validate
	$(PY) tools/bench_ratios.py

# cargo-fuzz with the nightly toolchain; tools/fuzz.py installs cargo-fuzz when missing.
SECONDS_PER_TARGET := $(or $(SECONDS),60)
fuzz: generate ## Coverage-guided fuzzing, every target for SECONDS (default 60) each: make fuzz SECONDS=600
	$(PY) tools/fuzz.py --seconds $(SECONDS_PER_TARGET) $(ARGS)

upgrade-baml: setup ## Newest BAML version on PyPI, npm and crates.io and what blocks newer; VERSION=X.Y.Z moves every pin there and regenerates
	$(PY) tools/upgrade_baml.py $(if $(VERSION),--version $(VERSION))

check-generated: setup ## Fail when generation is not deterministic or derived files are stale
	tools/check_generated.sh
	$(CONTRACTS) gen --check

ready: dist test ## Everything CI runs, each step once (.ci/run: the Quick start lines, then .ci/check-tree)
	bash .ci/check-tree

clean: ## Remove build outputs (keeps .venv and node_modules)
	rm -rf dist target .cache $(TS)/lib $(TS)/native
