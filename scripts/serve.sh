#!/usr/bin/env bash
# Serve the clinic as in production: `make serve`.
#
#   DATABASE_URL=postgres://... SECRET_KEY=... scripts/serve.sh [extra gunicorn options]
#
# Applies migrations, creates the cache table (rate limits count there unless CACHE_URL
# points elsewhere) and collects static files for whitenoise, then runs gunicorn and one
# background worker (`manage.py db_worker`: e-mail, reminders, waitlist offers). Ctrl-C or
# SIGTERM stops both; if either exits on its own, the other is stopped too, so a supervisor
# (systemd, a container runtime) sees the failure and restarts the pair.
#
# Environment:
#   DATABASE_URL, SECRET_KEY   required (production never falls back to SQLite or a dev key)
#   BIND                       address gunicorn listens on, default 127.0.0.1:8000
#   WEB_CONCURRENCY            gunicorn worker processes, default 3
#   GUNICORN_THREADS           threads per worker, default 1 (sync workers); over 1 uses
#                              gthread. Sync answered faster in `make loadtest` on 2 cores
#                              (the work is CPU-bound Python); it wants a buffering proxy
#                              (nginx, Caddy) in front, which terminates TLS anyway.
#   CONN_MAX_AGE               seconds a worker keeps its PostgreSQL connection, default 60
#                              here (settings.py says 0): in `make loadtest` a connection per
#                              request cost PostgreSQL ~3x the CPU and doubled median latency
#   PYTHON                     interpreter, default .venv/bin/python beside this script
# Every other setting (ALLOWED_HOSTS, EMAIL_URL, ...) is read by ashiatsu_clinic/settings.py.
set -euo pipefail

cd "$(dirname "$0")/.."

missing=()
[[ -n "${DATABASE_URL:-}" ]] || missing+=("DATABASE_URL (e.g. postgres://user:password@host:5432/ashiatsu)")
[[ -n "${SECRET_KEY:-}" ]] || missing+=("SECRET_KEY (a long random string)")
if ((${#missing[@]})); then
    echo "serve: refusing to start, these must be set in the environment:" >&2
    printf '  %s\n' "${missing[@]}" >&2
    echo "For local development use 'make run' instead." >&2
    exit 2
fi

PYTHON="${PYTHON:-.venv/bin/python}"
if [[ ! -x "$PYTHON" ]]; then
    echo "serve: $PYTHON not found; run 'make run' or 'make test' once to create .venv" >&2
    exit 2
fi
BIND="${BIND:-127.0.0.1:8000}"
WORKERS="${WEB_CONCURRENCY:-3}"
THREADS="${GUNICORN_THREADS:-1}"
export CONN_MAX_AGE="${CONN_MAX_AGE:-60}"

"$PYTHON" manage.py migrate --noinput
"$PYTHON" manage.py createcachetable
"$PYTHON" manage.py collectstatic --noinput --verbosity 0

worker_class=(--worker-class sync)
if ((THREADS > 1)); then
    worker_class=(--worker-class gthread --threads "$THREADS")
fi

"$PYTHON" manage.py db_worker --no-reload &
worker_pid=$!
"$PYTHON" -m gunicorn ashiatsu_clinic.wsgi \
    --bind "$BIND" \
    --workers "$WORKERS" \
    "${worker_class[@]}" \
    --access-logfile - \
    "$@" &
web_pid=$!
echo "serve: gunicorn (pid $web_pid) on http://$BIND/, db_worker (pid $worker_pid)" >&2

stop() {
    trap - INT TERM
    kill -TERM "$web_pid" "$worker_pid" 2>/dev/null || true
    wait "$web_pid" "$worker_pid" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM

# Whichever exits first (a crash, a bad bind address) takes the other down with it.
status=0
wait -n "$web_pid" "$worker_pid" || status=$?
echo "serve: a process exited (status $status); stopping the other" >&2
stop
exit "$status"
