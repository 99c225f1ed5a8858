# Sightline: `make up` runs the whole system with a demo project; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
SERVICES := ingest session-fingerprint bitmap-aggregator query gateway
# The repo pins its runtime (Node.js 24 LTS, the npm package `node` in devDependencies): every
# recipe, and everything it starts (jest, the services, the benchmarks), runs on that binary.
# Only the first `npm ci` runs on the machine's own node.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# CLUSTER=1 (make up / test / down CLUSTER=1): three Kafka nodes (infra/kafka-cluster, replication 3,
# min.insync.replicas 2) instead of the single broker; every service and test is pointed at them.
ifeq ($(CLUSTER),1)
export SIGHTLINE_KAFKA := cluster
export KAFKA_BROKERS := 127.0.0.1:29091,127.0.0.1:29092,127.0.0.1:29093
endif

.PHONY: help install infra build typecheck lint-openapi up down status test test-unit test-integration test-e2e test-cluster bench bench-runtime replay logs

help:
	@echo "make up      install, start Kafka/Postgres/Redis, build, start all services, create the demo project"
	@echo "make test    bring up missing infrastructure and run every test (unit, integration, e2e)"
	@echo "make down    stop the services and the infrastructure"
	@echo "make status  what is running"
	@echo "make bench   run the benchmarks under bench/"
	@echo "make bench-runtime   the ingest, fingerprint and aggregator benchmarks on the machine's node vs the pinned one"
	@echo "make replay SERVICE=query   rebuild one projection by replaying events.enriched.v1 (FROM='--from-time 2026-12-01T00:00:00Z')"

node_modules/.installed: package.json package-lock.json $(wildcard libs/*/package.json services/*/package.json)
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

infra:
	infra/up

build: install
	node scripts/run-ts.mjs scripts/topic-schemas.ts --check
	node scripts/build.mjs
	@if [ -f libs/tracker/build.mjs ]; then node libs/tracker/build.mjs; fi
	node libs/cli/build.mjs
	node services/gateway/web/build.mjs

typecheck: install
	npx tsc -p tsconfig.json
	@if [ -f libs/tracker/tsconfig.json ]; then npx tsc -p libs/tracker; fi
	npx tsc -p services/gateway/web

up: install infra build
	scripts/services.sh start $(SERVICES)
	scripts/services.sh run-as gateway node services/gateway/dist/cli/bootstrap-demo.js

down:
	scripts/services.sh stop $(SERVICES)
	infra/down
	SIGHTLINE_KAFKA_CLUSTER_NAME=e2e infra/kafka-cluster/stop --wipe

status:
	-infra/status
	scripts/services.sh status $(SERVICES)
	@# Consumer lag per group and partition (the sightline CLI, libs/cli).
	-sightline lag

logs:
	tail -n 50 .sightline/logs/*.log

# Unit tests need no network; integration and e2e tests use the real Kafka, Postgres and Redis.
# --forceExit: a handle leaked by one test must fail nothing and never hold CI past its limit
# (service processes a file leaves running are killed by test/setup/environment.js).
test: install infra build typecheck lint-openapi
	@if [ -x infra/chromium/install ]; then infra/chromium/install; fi
	infra/tools/install
	npx jest --selectProjects unit --ci
	npx jest --selectProjects integration --ci --maxWorkers=2 --forceExit
	npx jest --selectProjects e2e --ci --runInBand --forceExit

# The three-node Kafka cluster under a broker kill (test/e2e/kafka-cluster.e2e.test.ts) alone; `make
# test` runs it too. The test starts and wipes its own cluster (infra/kafka-cluster, name e2e, ports
# 28391-28393), so it needs no `make up`; `make down` stops one an interrupted run left behind.
test-cluster: install build
	npx jest test/e2e/kafka-cluster.e2e.test.ts --selectProjects e2e --ci --forceExit

# The public API's document, as client generators read it (rules and exceptions: redocly.yaml).
lint-openapi: build
	redocly lint services/gateway/dist/openapi.json

test-unit: install
	npx jest --selectProjects unit

test-integration: install infra build
	npx jest --selectProjects integration

test-e2e: install infra build
	npx jest --selectProjects e2e --runInBand

bench: install infra build
	@for b in bench/*/run.ts; do [ "$$b" = bench/runtime/run.ts ] && continue; echo "== $$b"; node scripts/run-ts.mjs $$b || exit 1; done

# Runs three of the benchmarks again under each of two Node binaries (README, "Node.js 24 vs 20").
bench-runtime: install infra build
	node scripts/run-ts.mjs bench/runtime/run.ts

replay:
	@test -n "$(SERVICE)" || (echo "usage: make replay SERVICE=<bitmap-aggregator|query>"; exit 2)
	scripts/services.sh replay $(SERVICE) $(FROM)
