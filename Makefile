# The two commands a new user needs are `make run` and `make test`; the rest serve them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-cluster install browser clean cluster

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '.[test]'
	@touch $@

install: $(STAMP)

run: install
	@scripts/run.sh

test: install
	@scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Two web nodes behind HAProxy, two workers, one beat, Redis and an S3 server on loopback
# (deploy/cluster.py); PostgreSQL from DATABASE_URL. Needs haproxy and redis-server.
cluster: install
	$(BIN)/python -m deploy.cluster

bench: install
	@scripts/bench.sh

# The page load of bench/load.py on one node, then through HAProxy in front of the cluster
# (needs haproxy and redis-server); the bench data set is built first if it is missing.
bench-cluster: install
	@BENCH_CLUSTER=1 BENCH_ONLY_LOAD=1 BENCH_GENERATE_ARGS="$${BENCH_GENERATE_ARGS:---keep}" scripts/bench.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-artifacts
