#!/usr/bin/env bash
# Run every benchmark under bench/ and print its figures. Uses its own database.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postmortems_bench}"
.venv/bin/python - <<'PY'
import os, psycopg
from urllib.parse import urlparse
url = urlparse(os.environ["DATABASE_URL"])
if url.scheme.startswith("postgres"):
    name = url.path.lstrip("/")
    with psycopg.connect(host=url.hostname, port=url.port or 5432, user=url.username,
                         dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
PY
for script in bench/[a-z]*.py; do
  case "$script" in bench/settings.py|bench/common.py|bench/__init__.py) continue;; esac
  echo "== $script"
  .venv/bin/python "$script"
done
