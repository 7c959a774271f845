#!/usr/bin/env bash
# Build the bench data set, measure the pages under load, then run every other bench/*.py.
# Figures are printed and written to bench/results/; nothing here passes or fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postmortems_bench}"

if ! $BIN/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then
  echo "make bench: PostgreSQL is not reachable on 127.0.0.1:5432; the benchmarks need it." >&2
  exit 1
fi

began=$(date +%s)
echo "== bench/generate.py"
$BIN/python bench/generate.py ${BENCH_GENERATE_ARGS:-}
echo "== bench/load.py"
# BENCH_CLUSTER=1: then the same pages through HAProxy in front of two nodes (deploy/cluster.py).
$BIN/python bench/load.py ${BENCH_LOAD_ARGS:-}
if [ -n "${BENCH_ONLY_LOAD:-}" ]; then
  echo "make bench: finished in $(( $(date +%s) - began )) s"
  exit 0
fi
for script in bench/*.py; do
  case "$(basename "$script")" in
    generate.py|load.py|settings.py|urls.py|__init__.py|_*) continue ;;
  esac
  echo "== $script"
  $BIN/python "$script"
done
echo "make bench: finished in $(( $(date +%s) - began )) s"
