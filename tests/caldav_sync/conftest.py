"""A real CalDAV server for the therapist-calendar tests: Radicale on 127.0.0.1, a free port,
htpasswd logins, its collections in the test's temporary folder."""

import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import caldav
import pytest

USER, PASSWORD = "therapist", "app-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CalDAVServer:
    base: str
    process: subprocess.Popen

    def calendar_url(self, name: str = "work") -> str:
        return f"{self.base}/{USER}/{name}/"

    def make_calendar(self, name: str = "work") -> caldav.Calendar:
        client = caldav.DAVClient(
            url=self.base + "/", username=USER, password=PASSWORD, enable_rfc6764=False
        )
        return client.principal().make_calendar(name=name.title(), cal_id=name)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def _radicale(tmp_path_factory):
    folder = tmp_path_factory.mktemp("radicale")
    (folder / "users").write_text(f"{USER}:{PASSWORD}\n")
    port = _free_port()
    (folder / "config").write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {folder / 'users'}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[storage]\n"
        f"filesystem_folder = {folder / 'collections'}\n"
        "[logging]\n"
        "level = error\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(folder / "config")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("Radicale did not start") from None
            time.sleep(0.1)
    server = CalDAVServer(f"http://127.0.0.1:{port}", process)
    yield server
    if process.poll() is None:
        server.stop()


@pytest.fixture
def radicale(_radicale, settings):
    """The running server; plain http is allowed for it (it listens on 127.0.0.1 only)."""
    settings.THERAPIST_CALENDAR_ALLOW_HTTP = True
    return _radicale


_calendars = iter(range(1, 10_000))


@pytest.fixture
def work_calendar(radicale) -> caldav.Calendar:
    """A fresh, empty calendar of the therapist's (a new collection per test)."""
    return radicale.make_calendar(f"work{next(_calendars)}")
