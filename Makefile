# OrderHub — every target a person or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv from PATH, else a private copy installed from PyPI into .tools/ (nothing else is needed).
UV ?= $(shell command -v uv 2>/dev/null || echo "$(CURDIR)/.tools/bin/uv")
PYTHON_VERSION := 3.11
export UV_PYTHON := $(PYTHON_VERSION)
TEST_PATHS := libs/contracts/tests libs/runtime/tests libs/devstack/tests libs/ops/tests libs/simulators/tests \
	services/ingest/tests services/rules/tests services/fulfillment/tests services/aftersales/tests \
	services/notify/tests services/insights/tests services/console/tests tests
PACKAGES := orderhub-contracts orderhub-runtime orderhub-devstack orderhub-ops orderhub-simulators orderhub-ingest \
	orderhub-rules orderhub-fulfillment orderhub-aftersales orderhub-notify orderhub-insights orderhub-console

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: uv
uv: ## Install uv (the package manager) if it is missing
	@command -v $(UV) >/dev/null 2>&1 || { python3 -m venv .tools && .tools/bin/pip install --quiet uv; }

# Debian packages: a CJK TrueType font that every PDF and heat map embeds (and Chromium renders
# the console's Chinese with), poppler-utils (pdftotext, pdffonts, pdftoppm) that the tests read
# PDFs back with, and Chromium with its driver for the console's browser tests (never a
# downloaded browser).
SYSTEM_PACKAGES := fonts-wqy-microhei poppler-utils chromium chromium-driver

.PHONY: system-packages
system-packages: ## Debian packages: CJK font, poppler-utils, Chromium (installed as root on Debian, else named)
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing" $$missing; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } >/dev/null; \
		else \
			echo "missing system packages:" $$missing "(Debian: sudo apt-get install" $$missing")"; \
		fi; \
	fi

.PHONY: install
install: uv system-packages ## Create .venv with every package and dev tool (from uv.lock), and the system packages
	@$(UV) sync --locked --all-packages --quiet

.PHONY: run
run: install ## Start the whole system on embedded Postgres and broker, and the staff console on :8007 (Ctrl-C stops it)
	@.venv/bin/python -m orderhub_devstack run

.PHONY: simulate
simulate: install ## Platform simulators on their local ports, feeding a stream of orders (run beside `make run`)
	@.venv/bin/python -m orderhub_simulators --feed --rate $${RATE:-2}

.PHONY: test
test: install ## Run the whole test suite against real Postgres and a real broker
	@$(UV) run --no-sync pytest $(TEST_PATHS)

.PHONY: test-fast
test-fast: install ## Every test that needs no server (marked `pure`; seconds)
	@$(UV) run --no-sync pytest $(TEST_PATHS) -m pure -q

# Every test module is imported (an undeclared import fails collection) and the server-free tests
# run (a package with none passes on collection alone), each package installed alone; `PACKAGE_TESTS="-m 'not e2e'"` runs its server tests too.
PACKAGE_TESTS ?= -m pure
.PHONY: test-packages
test-packages: uv ## Each package alone in its own environment (catches undeclared dependencies)
	@set -e; for pkg in $(PACKAGES); do \
		dir=$$(dirname $$(grep -l "^name = \"$$pkg\"" libs/*/pyproject.toml services/*/pyproject.toml)); \
		echo "== $$pkg ($$dir)"; \
		$(UV) sync --locked --package $$pkg --group dev --quiet; \
		$(UV) run --no-sync pytest $$dir/tests -q -p no:randomly $(PACKAGE_TESTS) || [ $$? -eq 5 ]; \
	done; $(UV) sync --locked --all-packages --quiet

# The container images, compose file and Kubernetes manifests cannot run here (no container
# engine): this checks what can be (schemas, settings names, secrets, the images' wheel sets).
.PHONY: deploy-check
deploy-check: install ## Validate deploy/ (compose, Kubernetes, Dockerfile) against schemas, settings and uv.lock
	@$(UV) run --no-sync pytest tests/deploy -q

.PHONY: lint
lint: install ## ruff and mypy (strict)
	@$(UV) run --no-sync ruff check .
	@$(UV) run --no-sync ruff format --check . >/dev/null || echo "(ruff format: some files would be reformatted)"
	@$(UV) run --no-sync mypy libs/contracts/src libs/runtime/src libs/devstack/src libs/ops/src libs/simulators/src \
		services/ingest/src services/rules/src services/fulfillment/src services/aftersales/src services/notify/src services/insights/src \
		services/console/src

.PHONY: bench
bench: install ## Benchmarks: end-to-end orders/s and latency, Postgres insert rate, rule evaluation
	@$(UV) run --no-sync python -m benchmarks.run

.PHONY: bench-rules
bench-rules: install ## Rules alone: rule evaluation, address resolution, the service draining a backlog (ARGS="--rate 1000")
	@$(UV) run --no-sync python -m benchmarks.rules.engine
	@$(UV) run --no-sync python -m benchmarks.rules.address_bench
	@$(UV) run --no-sync python -m benchmarks.rules.service $(ARGS)

.PHONY: bench-notify
bench-notify: install ## Notify alone on the recording providers: latency at 200 events/s, throughput at 1,000/s
	@$(UV) run --no-sync python -m benchmarks.notify.service $(ARGS)

.PHONY: bench-fulfillment
bench-fulfillment: install ## Fulfillment alone draining a backlog of cleared orders (orders/s, CPU per order)
	@$(UV) run --no-sync python -m benchmarks.fulfillment $(ARGS)

.PHONY: bench-paper
bench-paper: install ## Warehouse paper: a 2,000-row WMS export through the bridge, a 200-order pick list (xlsx + PDF)
	@$(UV) run --no-sync python -m benchmarks.fulfillment.paper $(ARGS)
.PHONY: bench-tracking
bench-tracking: install ## Fulfillment alone taking 快递100 track pushes (pushes/s applied; p99 at 200 pushes/s)
	@$(UV) run --no-sync python -m benchmarks.fulfillment.tracking_bench $(ARGS)

.PHONY: bench-aftersales
bench-aftersales: install ## Aftersales alone: ticket transitions/s and their latency through the public API
	@$(UV) run --no-sync python -m benchmarks.aftersales $(ARGS)

.PHONY: bench-search
bench-search: install ## Order search with 1 million orders loaded (p50/p95; takes a few minutes)
	@$(UV) run --no-sync python -m benchmarks.ingest.search_bench

.PHONY: bench-console
bench-console: install ## Console pages (order page, anomaly queue, name search) p95 with 1 million orders loaded (a few minutes)
	@$(UV) run --no-sync python -m benchmarks.console.page_bench $(ARGS)

.PHONY: bench-ingest
bench-ingest: install ## Ingest CPU and SQL statements per order: POST /v1/orders and the timeline projection
	@$(UV) run --no-sync python -m benchmarks.ingest.cpu_bench

.PHONY: bench-insights
bench-insights: install ## Heat analysis over a million orders (load, analysis and picture timings)
	@$(UV) run --no-sync python -m benchmarks.insights.heat_bench

.PHONY: topics
topics: install ## Topics and consumer lag of the running system
	@$(UV) run --no-sync orderhub topics list && $(UV) run --no-sync orderhub topics lag

.PHONY: clean-state
clean-state: ## Forget the local embedded database (the system must be stopped)
	rm -rf "$${ORDERHUB_STATE_DIR:-/var/tmp/orderhub}"
