"""Run a command against a throwaway PostgreSQL cluster, then remove the cluster.

    python scripts/with_postgres.py -- pytest -q

Starts a private cluster from the machine's server binaries (`initdb`, `pg_ctl`) in a
temporary folder, listening on 127.0.0.1 only on a free port with trust auth, creates the
`ashiatsu` database, runs the command with DATABASE_URL pointing at it, and always stops and
deletes the cluster afterwards. `initdb` refuses to run as root, so as root the server runs
as the `postgres` system user. If DATABASE_URL is already set, the command runs against that
database instead and no cluster is started.
"""

import contextlib
import glob
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

DATABASE_NAME = "ashiatsu"


def _server_binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        sys.exit(
            f"with_postgres: {name} not found. Install the PostgreSQL server "
            "(apt-get install -y postgresql) or set DATABASE_URL."
        )
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as_server_user(args: list[str]) -> None:
    """Run a server command, as the postgres system user when we are root."""
    if os.geteuid() == 0:
        args = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="ashiatsu-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    port = _free_port()
    settings = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200 "
        # Durability is pointless for a database deleted in a minute; speed is not.
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    started = False
    try:
        _run_as_server_user(
            [_server_binary("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
            + ["-E", "UTF8", "--no-sync"]
        )
        _run_as_server_user(
            [_server_binary("pg_ctl"), "-D", str(data), "-l", str(folder / "server.log")]
            + ["-o", settings, "-w", "start"]
        )
        started = True
        url = f"postgres://postgres@127.0.0.1:{port}/{DATABASE_NAME}"
        subprocess.run(
            ["psql", f"postgres://postgres@127.0.0.1:{port}/postgres", "-q", "-c"]
            + [f"CREATE DATABASE {DATABASE_NAME}"],
            check=True,
        )
        print(f"with_postgres: throwaway PostgreSQL on 127.0.0.1:{port}", file=sys.stderr)
        yield url
    finally:
        if started:
            _run_as_server_user(
                [_server_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            )
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        sys.exit("usage: with_postgres.py -- COMMAND [ARGS...]")
    if os.environ.get("DATABASE_URL"):
        return subprocess.run(argv).returncode
    with throwaway_cluster() as url:
        return subprocess.run(argv, env={**os.environ, "DATABASE_URL": url}).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
