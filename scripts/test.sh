#!/usr/bin/env bash
# Run lint and the whole suite. With CI=true a missing service fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
CI="${CI:-false}"

fail() { echo "make test: $*" >&2; exit 1; }

# PostgreSQL: what production and CI use; SQLite only when none is running outside CI.
if [ -z "${DATABASE_URL:-}" ]; then
  if $BIN/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/postmortems"
  elif [ "$CI" = "true" ]; then
    fail "PostgreSQL is not reachable on 127.0.0.1:5432 (set DATABASE_URL or start it)."
  else
    echo "make test: no PostgreSQL on 127.0.0.1:5432, testing on SQLite." >&2
  fi
fi
echo "make test: database ${DATABASE_URL:-sqlite}"

export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
if ! $BIN/python scripts/redis_ping.py "$REDIS_URL"; then
  [ "$CI" = "true" ] && fail "Redis is not reachable at $REDIS_URL; the reminder integration tests need it."
  echo "make test: no Redis at $REDIS_URL, the integration tests will be skipped." >&2
fi

# Browser tests drive Debian's chromium; Playwright's own browser download cannot work here.
if [ ! -x /usr/bin/chromium ]; then
  echo "make test: installing Debian's chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; }; then
    [ "$CI" = "true" ] && fail "could not install chromium with apt-get."
    echo "make test: chromium unavailable, the browser tests will be skipped." >&2
  fi
fi

# The cluster test puts Debian's HAProxy in front of two web nodes.
if ! command -v haproxy >/dev/null; then
  echo "make test: installing Debian's haproxy for the cluster test"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy >/dev/null; }; then
    [ "$CI" = "true" ] && fail "could not install haproxy with apt-get."
    echo "make test: haproxy unavailable, the cluster test will be skipped." >&2
  fi
fi

# The git-over-SSH tests start Debian's OpenSSH server on loopback.
if [ ! -x /usr/sbin/sshd ]; then
  echo "make test: installing Debian's openssh-server for the git-over-SSH tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openssh-server >/dev/null; }; then
    [ "$CI" = "true" ] && fail "could not install openssh-server with apt-get."
    echo "make test: openssh-server unavailable, the git-over-SSH tests will be skipped." >&2
  fi
fi

$BIN/ruff check .
$BIN/ruff format --check .
# Import contracts (pyproject.toml): incidents never imports postmortems, the domain no consumer.
$BIN/lint-imports --no-cache >/dev/null || { $BIN/lint-imports --no-cache; fail "an import contract is broken."; }
DJANGO_SETTINGS_MODULE=tests.settings $BIN/python manage.py makemigrations --check --dry-run >/dev/null \
  || fail "models and migrations differ: run 'python manage.py makemigrations'."

# One pytest-xdist worker per core (TEST_WORKERS=0 runs in one process), each on its own
# test database; the ten slowest tests are listed at the end.
set +e
$BIN/pytest -n "${TEST_WORKERS:-auto}" --durations=10 "$@"
status=$?
set -e
# pytest exits 5 when it collected nothing: that is a failure here, never a pass.
[ $status -eq 5 ] && fail "pytest collected no tests."
exit $status
