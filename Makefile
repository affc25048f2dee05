# One task runner for developers and CI (.ci/run calls `make test`).
# Tools run from the project's virtual environment, made by `make install`.

VENV := .venv/bin
PACKAGES := gateway events projections adapters monitoring infra mainjob
INFRA := $(VENV)/lapor-infra

.PHONY: help install run test lint format bench \
	kafka-provision kafka-start kafka-stop kafka-status \
	cluster-start cluster-stop cluster-status \
	postgres-start postgres-stop postgres-status services-stop clean

help:
	@echo "install         create .venv from uv.lock (uv sync --frozen)"
	@echo "run             the main job: Kafka, gateway, projections on the samples"
	@echo "test            run the test suite; marked tests start Kafka/PostgreSQL"
	@echo "lint            ruff format --check, ruff check, mypy --strict"
	@echo "format          ruff format and ruff check --fix"
	@echo "bench           run every bench/*.py script"
	@echo "kafka-start     start the single local broker (127.0.0.1:19092)"
	@echo "cluster-start   start the three-broker cluster (127.0.0.1:19192,19292,19392)"
	@echo "postgres-start  start the local PostgreSQL (127.0.0.1:15432)"
	@echo "services-stop   stop every local server"
	@echo "clean           stop local servers and delete var/ and tool caches"

install:
	UV_PYTHON_DOWNLOADS=never uv sync --frozen

# The main job: installs .venv if absent, starts the local broker, replays the
# samples through the gateway and serves until Ctrl-C. RUN_ARGS passes options,
# for example `make run RUN_ARGS=--exit`.
run:
	@test -x $(VENV)/lapor-gateway || $(MAKE) install
	$(INFRA) kafka start
	$(VENV)/lapor-gateway run $(RUN_ARGS)

test:
	$(VENV)/pytest

lint:
	$(VENV)/ruff format --check .
	$(VENV)/ruff check .
	$(VENV)/mypy $(PACKAGES)

format:
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

bench:
	@set -e; scripts="$$(find bench -maxdepth 1 -name '*.py' | sort)"; \
	if [ -z "$$scripts" ]; then echo "bench: no scripts in bench/ yet"; fi; \
	for script in $$scripts; do echo "== $$script"; $(VENV)/python "$$script"; done

kafka-provision:
	$(INFRA) kafka provision

kafka-start:
	$(INFRA) kafka start

kafka-stop:
	$(INFRA) kafka stop

kafka-status:
	$(INFRA) kafka status

cluster-start:
	$(INFRA) kafka start --cluster

cluster-stop:
	$(INFRA) kafka stop --cluster

cluster-status:
	$(INFRA) kafka status --cluster

postgres-start:
	$(INFRA) postgres start

postgres-stop:
	$(INFRA) postgres stop

postgres-status:
	$(INFRA) postgres status

services-stop:
	-$(INFRA) kafka stop
	-$(INFRA) kafka stop --cluster
	-$(INFRA) postgres stop

clean: services-stop
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +
