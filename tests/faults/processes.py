"""Real processes for the fault tests, each on a free 127.0.0.1 port, started and stopped here.

A PostgreSQL cluster the test controls (restart it, stop it: the server binaries through
`pg_ctl`, as the `postgres` system user when we are root, like scripts/with_postgres.py),
redis-server, gunicorn, `manage.py db_worker` and `scripts/serve.sh`, all with the
production settings (DEBUG off) and the environment `app_env` builds. Every process writes
its output to a log file whose tail is printed when a check fails (`Process.tail`).
"""

from __future__ import annotations

import contextlib
import glob
import http.cookiejar
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], object], *, timeout: float, every: float = 0.1, what: str = ""):
    """`check()`'s first truthy answer within `timeout` seconds (exceptions count as no)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = check()
        except Exception:
            answer = None
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what or check}")
        time.sleep(every)


# --- PostgreSQL ---------------------------------------------------------------------------


def _server_binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise RuntimeError(f"{name} not found: install the PostgreSQL server binaries")
    return found


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]
    return args


class Postgres:
    """A private cluster: `restart(mode)`, `stop(mode)`, `start()`, databases by name."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ashiatsu-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        self.running = False
        self._pg_ctl("initdb", "-o", "-U postgres --auth=trust -E UTF8 --no-sync")

    def _pg_ctl(self, *args: str) -> None:
        command = [_server_binary("pg_ctl"), "-D", str(self.data), *args]
        subprocess.run(_as_server_user(command), check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off"
        )
        self._pg_ctl("-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def restart(self, mode: str) -> None:
        """`pg_ctl restart -m MODE`: returns once the server accepts connections again."""
        self._pg_ctl("-m", mode, "-w", "-t", "60", "restart")
        self.running = True

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str):
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, connect_timeout=5
        )
        connection.autocommit = True
        return connection

    def query(self, database: str, sql: str, params: tuple = ()) -> list[tuple]:
        with (
            contextlib.closing(self.connect(database)) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def execute(self, sql: str) -> None:
        self.query("postgres", sql)

    def remove(self) -> None:
        if self.running:
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


# --- processes ----------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    stop_signal: int = signal.SIGTERM  # gunicorn: SIGINT, its quick shutdown

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text[-lines:])

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        self.signal(self.stop_signal)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)


class Launcher:
    """Starts processes into one log folder and stops every one of them at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[Process] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> Process:
        log = self.folder / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(  # noqa: S603 - our own programs, fixed arguments
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as a whole at the end
            )
        process = Process(name, popen, log)
        self.started.append(process)
        return process

    def gunicorn(self, name: str, env: dict[str, str], *, workers: int = 2) -> tuple[Process, str]:
        port = free_port()
        process = self.start(
            name,
            [PYTHON, "-m", "gunicorn", "ashiatsu_clinic.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", str(workers), "--worker-class", "sync", "--timeout", "30"]
            + ["--graceful-timeout", "5", "--no-control-socket", "--error-logfile", "-"],
            env,
        )
        process.stop_signal = signal.SIGINT
        url = f"http://127.0.0.1:{port}"
        self.wait_answering(process, url)
        return process, url

    def wait_answering(self, process: Process, url: str) -> None:
        def answering():
            assert process.alive(), process.tail()
            return get(f"{url}/api/services", timeout=5).status == 200

        try:
            wait_until(answering, timeout=START_TIMEOUT, every=0.25, what=f"{url} answering")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{process.tail()}") from None

    def db_worker(
        self, name: str, env: dict[str, str], *, queue: str = "default", sweep_every: float = 0
    ) -> Process:
        command = [PYTHON, "manage.py", "db_worker", "--queue-name", queue, "--no-reload"]
        command += ["--interval", "0.2", "--worker-id", name]
        if sweep_every:
            command += ["--sweep-every", str(sweep_every)]
        return self.start(name, command, env)

    def redis(self) -> tuple[Process, str]:
        port = free_port()
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        process = self.start(
            "redis",
            [server, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.folder)],
            dict(os.environ),
        )
        wait_until(
            lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() or True,
            timeout=15,
            what="redis-server listening",
        )
        return process, f"redis://127.0.0.1:{port}/0"

    def tails(self) -> str:
        return "\n".join(process.tail() for process in self.started)

    def stop_all(self) -> None:
        for process in self.started:
            if process.alive():
                process.signal(process.stop_signal)
        for process in reversed(self.started):
            process.stop()


# --- the application's environment and commands --------------------------------------------

# Production settings, plain HTTP on loopback; a test adds what it needs (CACHE_URL, rates).
APP_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "faults-only-not-a-secret",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "SECURE_HSTS_SECONDS": "0",
    "STAFF_REQUIRE_2FA": "false",
    "RATELIMIT_ENABLE": "true",
    "EMAIL_URL": "memorymail://",
    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    "CONN_MAX_AGE": "60",
    "LOG_LEVEL": "WARNING",
    "PYTHONUNBUFFERED": "1",
}


def app_env(database_url: str, static_root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "TEST_CLOCK"))}
    env.update(APP_ENV, DATABASE_URL=database_url, STATIC_ROOT=str(static_root))
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def enqueue_sweep(env: dict[str, str]) -> str:
    """Put one `clinic_sweep_task` on the default queue, as the application would; its id."""
    code = (
        "from ashiatsu_clinic.tasks import clinic_sweep_task; print(clinic_sweep_task.enqueue().id)"
    )
    return manage(env, "shell", "-c", code).strip().splitlines()[-1]


TASKS_TABLE = "django_tasks_database_dbtaskresult"


def wait_for_task(postgres: Postgres, database: str, task_id: str, timeout: float = 30) -> None:
    """Until the task's row says it ran successfully."""
    sql = f"SELECT status FROM {TASKS_TABLE} WHERE id = %s"  # noqa: S608 - a table name
    wait_until(
        lambda: postgres.query(database, sql, (task_id,)) == [("SUCCESSFUL",)],
        timeout=timeout,
        every=0.25,
        what=f"task {task_id} to run",
    )


# --- HTTP ---------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int  # 0: no answer at all (refused, reset, timed out)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    error: str = ""

    def json(self):
        return json.loads(self.body)


def request(
    method: str,
    url: str,
    *,
    payload: object = None,
    form: dict | None = None,
    opener: urllib.request.OpenerDirector | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> Answer:
    data = None
    headers = dict(headers or {})
    if payload is not None:
        data = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    call = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    started = time.monotonic()
    try:
        with (opener or _plain).open(call, timeout=timeout) as response:
            body = response.read()
            return Answer(response.status, dict(response.headers), body, time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read(), time.monotonic() - started)
    except (OSError, urllib.error.URLError) as error:
        return Answer(0, seconds=time.monotonic() - started, error=repr(error))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_plain = urllib.request.build_opener(_NoRedirect)


def get(url: str, **kwargs) -> Answer:
    return request("GET", url, **kwargs)


def browser() -> urllib.request.OpenerDirector:
    """An opener that keeps cookies (a signed-in staff member) and does not follow redirects."""
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
    )


# --- light load from a thread ---------------------------------------------------------------


@dataclass
class Hit:
    started: float  # time.monotonic()
    path: str
    answer: Answer


class LightLoad:
    """Requests one after another from a thread (a few a second), every answer recorded."""

    def __init__(self, base_url: str, paths: list[str], pause: float = 0.05) -> None:
        self.base_url, self.paths, self.pause = base_url, paths, pause
        self.hits: list[Hit] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="light-load", daemon=True)

    def _run(self) -> None:
        turn = 0
        while not self._stop.is_set():
            path = self.paths[turn % len(self.paths)]
            turn += 1
            started = time.monotonic()
            self.hits.append(Hit(started, path, get(self.base_url + path, timeout=15)))
            self._stop.wait(self.pause)

    def __enter__(self) -> LightLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


@contextlib.contextmanager
def light_load(base_url: str, paths: list[str]) -> Iterator[LightLoad]:
    with LightLoad(base_url, paths) as load:
        yield load


# --- a process tree -------------------------------------------------------------------------


def children(pid: int) -> list[tuple[int, str]]:
    """The direct children of `pid` with their command lines (from /proc)."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
            parent = int(text.rsplit(")", 1)[1].split()[1])
            if parent != pid:
                continue
            child = int(stat.split("/")[2])
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        found.append((child, cmdline))
    return found
