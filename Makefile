# Lepton's two everyday commands are `make run` and `make test`; the rest are their steps.
#
# Builds go to $CARGO_TARGET_DIR when it is set, else to /var/cache/lepton/target when that
# directory exists (a cache shared by every clone on the machine), else to ./target.

SHELL := /bin/bash
.DEFAULT_GOAL := run

SHARED_TARGET := /var/cache/lepton/target
export CARGO_TARGET_DIR ?= $(if $(wildcard $(SHARED_TARGET)),$(SHARED_TARGET),$(CURDIR)/target)
export LEPTON_SITE_DIR ?= $(CARGO_TARGET_DIR)/site
export LEPTON_ADDR ?= 127.0.0.1:3000
export LEPTON_DATA_DIR ?= ./lepton-data

.PHONY: setup site run test build-tests test-rust test-wasm test-e2e lint fmt bench clean

## setup: install the wasm target, wasm-bindgen, wasm-opt, Chromium and npm packages (idempotent)
setup:
	@scripts/setup.sh

## site: build the browser bundles, styles and public files into $LEPTON_SITE_DIR
site: setup
	@scripts/build-site.sh

## run: build everything and start the server on $LEPTON_ADDR with data in $LEPTON_DATA_DIR
run: site
	cargo build --release -p lepton-server
	@printf '\nLepton is starting on http://%s\n' "$(LEPTON_ADDR)"
	@printf 'Data directory: %s (database: lepton.db)\n' "$(LEPTON_DATA_DIR)"
	@printf 'First start on an empty data directory: the admin password is printed below, once.\n'
	@printf 'Lost it? Run: %s admin reset-password --username admin --data-dir %s\n' \
		"$(CARGO_TARGET_DIR)/release/lepton" "$(LEPTON_DATA_DIR)"
	@printf 'Stop with Ctrl-C.\n\n'
	@exec "$(CARGO_TARGET_DIR)/release/lepton"

## test: every check: formatting, clippy, unit, integration (real binary), end-to-end (Chromium)
test: site
	cargo fmt --all --check
	$(MAKE) --no-print-directory lint test-rust test-wasm test-e2e

# One build of every native target, tests included: building the server alone would resolve
# different dependency features and make the next step compile the dependencies again.
build-tests:
	cargo build --workspace --exclude lepton-worker --all-targets

test-rust: build-tests
	LEPTON_BIN="$(CARGO_TARGET_DIR)/debug/lepton" \
		cargo test --workspace --exclude lepton-worker

# The preparation recipe's golden test compiled to wasm32 and run under Node: the tab must
# prepare data bit for bit as the server does.
test-wasm: setup
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
		cargo test -p lepton-ml --target wasm32-unknown-unknown --test recipe_golden

test-e2e: build-tests
	data_dir=$$(mktemp -d) && trap 'rm -rf "$$data_dir"' EXIT && cd end2end && \
		LEPTON_BIN="$(CARGO_TARGET_DIR)/debug/lepton" LEPTON_E2E_DATA_DIR="$$data_dir" \
		LEPTON_E2E_PORT=$$(../scripts/free-port.py) npx playwright test

## lint: clippy with warnings as errors, natively and for both wasm crates
lint: setup
	cargo clippy --keep-going --workspace --exclude lepton-worker --all-targets -- -D warnings
	cargo clippy --keep-going --target wasm32-unknown-unknown -p lepton-app -p lepton-worker \
		--features lepton-app/hydrate -- -D warnings

fmt:
	cargo fmt --all

## bench: bundle sizes, SSR against a static file, sign-in and auth cost, dataset upload and
## profiling throughput against the csv crate and polars, Lab training in the tab against
## TensorFlow.js, server training steps and accuracy against PyTorch, telemetry ingest against
## a no-op sink and PostgreSQL COPY, in BENCHMARKS.md's format
bench: site
	cargo build --release -p lepton-server
	@scripts/bench.sh
	@scripts/bench-datasets.sh
	@scripts/bench-lab.sh
	@scripts/bench-training.sh
	@scripts/bench-ingest.sh

clean:
	rm -rf target end2end/test-results
