#!/usr/bin/env bash
# Serve the clinic as in production, under supervision: `make serve`.
#
#   DATABASE_URL=postgres://... SECRET_KEY=... scripts/serve.sh [extra gunicorn options]
#
# First the release step (migrations, the cache table, static files for whitenoise), then
# three processes, each started again when it dies (docs/deployment.md):
#   web     gunicorn (its master restarts its own workers)
#   worker  `manage.py db_worker --queue-name default --sweep-every SWEEP_SECONDS`: the
#           background tasks and the clinic's one scheduler of periodic work (reminders,
#           waitlist offers, deposit holds, e-mail retries, the manager digest)
#   mail    `manage.py db_worker --queue-name mail`: e-mail on a queue of its own, so that
#           a slow mail server holds up nothing else
# A process that dies is started again after 1 s; one that keeps dying within 10 s of its
# start waits 2, 4, 8 ... up to 30 s, and after 5 such deaths in a row serve.sh stops
# everything and exits non-zero, so that its own supervisor (systemd, a container runtime)
# sees a failure that restarting does not mend (a bad bind address, a wrong password).
# Ctrl-C or SIGTERM stops all three (gracefully; SIGKILL after STOP_SECONDS).
#
# Environment:
#   DATABASE_URL, SECRET_KEY, FIELD_ENCRYPTION_KEYS   required (production never falls back to SQLite or a dev key)
#   BIND                       address gunicorn listens on, default 127.0.0.1:8000
#   WEB_CONCURRENCY            gunicorn worker processes, default 3
#   GUNICORN_THREADS           threads per worker, default 1 (sync workers); over 1 uses
#                              gthread. Sync answered faster in `make loadtest` on 2 cores
#                              (the work is CPU-bound Python); it wants a buffering proxy
#                              (nginx, Caddy) in front, which terminates TLS anyway.
#   CONN_MAX_AGE               seconds a process keeps its PostgreSQL connection, default 60
#                              here (settings.py says 0): in `make loadtest` a connection per
#                              request cost PostgreSQL ~3x the CPU and doubled median latency;
#                              health checks replace a connection a database restart broke
#   SWEEP_SECONDS              seconds between two periodic sweeps, default 30
#   SERVE_PREPARE              false skips the release step (a deploy already ran it)
#   STOP_SECONDS               how long a stop waits for tasks and requests, default 30
#   PYTHON                     interpreter, default .venv/bin/python beside this script
# Every other setting (ALLOWED_HOSTS, EMAIL_URL, CACHE_URL, ...) is read by
# ashiatsu_clinic/settings.py.
set -euo pipefail

cd "$(dirname "$0")/.."

missing=()
[[ -n "${DATABASE_URL:-}" ]] || missing+=("DATABASE_URL (e.g. postgres://user:password@host:5432/ashiatsu)")
[[ -n "${SECRET_KEY:-}" ]] || missing+=("SECRET_KEY (a long random string)")
[[ -n "${FIELD_ENCRYPTION_KEYS:-}" ]] || missing+=("FIELD_ENCRYPTION_KEYS (manage.py rotate_field_keys --new-key; docs/encryption.md)")
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
SWEEP_SECONDS="${SWEEP_SECONDS:-30}"
STOP_SECONDS="${STOP_SECONDS:-30}"
export CONN_MAX_AGE="${CONN_MAX_AGE:-60}"

if [[ "${SERVE_PREPARE:-true}" != false ]]; then
    "$PYTHON" manage.py migrate --noinput
    "$PYTHON" manage.py createcachetable
    "$PYTHON" manage.py collectstatic --noinput --verbosity 0
fi

worker_class=(--worker-class sync)
if ((THREADS > 1)); then
    worker_class=(--worker-class gthread --threads "$THREADS")
fi
gunicorn_options=("$@")

# One function per process; `exec` makes the supervised pid the program's own.
run_web() {
    exec "$PYTHON" -m gunicorn ashiatsu_clinic.wsgi --bind "$BIND" --workers "$WORKERS" \
        "${worker_class[@]}" --access-logfile - --graceful-timeout "$STOP_SECONDS" \
        --no-control-socket "${gunicorn_options[@]}"
}
run_worker() {
    exec "$PYTHON" manage.py db_worker --queue-name default --sweep-every "$SWEEP_SECONDS" \
        --no-reload
}
run_mail() {
    exec "$PYTHON" manage.py db_worker --queue-name mail --no-reload
}

PROGRAMS=(web worker mail)
QUICK_DEATH_SECONDS=10
GIVE_UP_AFTER=5
declare -A pid_of=() started_at=() quick_deaths=()

start() {
    local name=$1
    "run_$name" &
    pid_of[$name]=$!
    started_at[$name]=$SECONDS
    echo "serve: $name started (pid ${pid_of[$name]})" >&2
}

stop_all() {
    trap - INT TERM
    local pids=("${pid_of[@]}")
    kill -TERM "${pids[@]}" 2>/dev/null || true
    # Whatever has not finished its request or task after STOP_SECONDS is killed.
    (sleep "$STOP_SECONDS" && kill -KILL "${pids[@]}" 2>/dev/null) &
    local timer=$!
    wait "${pids[@]}" 2>/dev/null || true
    kill "$timer" 2>/dev/null || true
}
trap 'echo "serve: stopping" >&2; stop_all; exit 0' INT TERM

for name in "${PROGRAMS[@]}"; do
    quick_deaths[$name]=0
    start "$name"
done
echo "serve: http://$BIND/ (web, worker + scheduler, mail) under supervision" >&2

while true; do
    status=0
    exited=""
    wait -n -p exited "${pid_of[@]}" || status=$?
    [[ -n "$exited" ]] || continue
    for name in "${PROGRAMS[@]}"; do
        [[ "${pid_of[$name]}" == "$exited" ]] && break
    done
    lived=$((SECONDS - started_at[$name]))
    if ((lived < QUICK_DEATH_SECONDS)); then
        quick_deaths[$name]=$((quick_deaths[$name] + 1))
    else
        quick_deaths[$name]=0
    fi
    if ((quick_deaths[$name] >= GIVE_UP_AFTER)); then
        echo "serve: $name died $GIVE_UP_AFTER times within ${QUICK_DEATH_SECONDS} s of starting" \
            "(last status $status); giving up" >&2
        stop_all
        exit 1
    fi
    pause=$((quick_deaths[$name] ? 1 << quick_deaths[$name] : 1))
    ((pause <= 30)) || pause=30
    echo "serve: $name (pid $exited) exited with status $status after ${lived} s;" \
        "starting it again in ${pause} s" >&2
    sleep "$pause" &
    wait $! || true
    start "$name"
done
