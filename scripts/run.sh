#!/usr/bin/env bash
# Serve the app locally: migrate, load the demo, start web, Celery worker and beat.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-true}"
export REDIS_URL="${REDIS_URL:-redis://localhost:6379/0}"
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://localhost:$PORT}"
PY=.venv/bin/python

$PY manage.py migrate --no-input -v 0
$PY manage.py loaddemo
$PY manage.py rebuild_search_index  # the demo data is written around the services

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

mkdir -p .venv/logs
# No Redis at the default address but a redis-server on the PATH: start one, with
# append-only persistence, so a restart keeps the queued tasks (the database keeps what is
# owed either way; recovery re-sends what a lost queue held).
if ! $PY scripts/redis_ping.py "$REDIS_URL" 2>/dev/null \
   && [[ "$REDIS_URL" =~ ^redis://(localhost|127\.0\.0\.1):6379(/[0-9]+)?$ ]] \
   && command -v redis-server >/dev/null; then
  mkdir -p .venv/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$PWD/.venv/redis" \
    --appendonly yes --appendfsync everysec --logfile "$PWD/.venv/logs/redis.log" >/dev/null
  echo "Started Redis on 127.0.0.1:6379 with append-only persistence (data in .venv/redis/)."
  for _ in 1 2 3 4 5 6 7 8 9 10; do $PY scripts/redis_ping.py "$REDIS_URL" 2>/dev/null && break; sleep 0.3; done
fi
if $PY scripts/redis_ping.py "$REDIS_URL"; then
  .venv/bin/celery -A config worker --loglevel INFO --concurrency 2 \
    >.venv/logs/worker.log 2>&1 &
  pids+=($!)
  .venv/bin/celery -A config beat --loglevel INFO --schedule .venv/celerybeat-schedule \
    >.venv/logs/beat.log 2>&1 &
  pids+=($!)
  echo "Celery worker and beat are running on $REDIS_URL (logs in .venv/logs/)."
else
  cat >&2 <<MSG

  Redis is not reachable at $REDIS_URL, so the Celery worker and beat are NOT running
  and no reminder emails will be sent. The web app still works.
  To fix it, start Redis and run 'make run' again:
      redis-server --daemonize yes --appendonly yes   (Debian/Ubuntu: sudo apt-get install redis-server)
  or point REDIS_URL at a Redis you have:  REDIS_URL=redis://host:6379/0 make run

MSG
fi

echo
echo "  Postmortems is running at $SITE_URL/"
echo "  Log in as alice / postmortems-demo (carol is a manager). Ctrl-C stops everything."
if [[ -z "${EMAIL_BACKEND:-}" && "$DEBUG" =~ ^(1|true|yes|on)$ ]]; then
  echo "  Mail is not sent: it is caught in .venv/mail/ and listed at $SITE_URL/dev/mail/"
  echo "  for superusers: sign in as carol (the demo manager) to read it."
fi
echo
$PY manage.py runserver "127.0.0.1:$PORT"
