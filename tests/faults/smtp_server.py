"""A real SMTP server on 127.0.0.1 (aiosmtpd) that the fault tests can stop, hang and stall.

    with SmtpServer() as smtp:          # listening on smtp.port
        smtp.down()                     # the port refuses connections
        smtp.up()                       # back on the same port
        smtp.hang()                     # accepts, greets, then never answers MAIL FROM
        smtp.resume()                   # hanging sessions time out on the client's side
        smtp.stall_next_rcpt()          # the next RCPT TO waits; smtp.stalled is set
        smtp.message_ids()              # Counter of the Message-IDs it accepted

A message counts as delivered when the server has its DATA and answers 250, which is what
a real mail server promises; counting Message-IDs shows both losses and duplicates.
"""

import asyncio
import collections
import contextlib
import socket
import threading
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        while self.server.hanging.is_set():
            await asyncio.sleep(0.05)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.server.stall_armed.is_set():
            self.server.stall_armed.clear()
            self.server.stalled.set()
            await asyncio.sleep(self.server.stall_seconds)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.original_content or envelope.content)
        self.server.record(message.get("Message-ID", ""), list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None, stall_seconds: float = 1.0):
        self.port = port or free_port()
        self.stall_seconds = stall_seconds
        self.hanging = threading.Event()
        self.stall_armed = threading.Event()
        self.stalled = threading.Event()
        self._lock = threading.Lock()
        self._received: list[tuple[str, list[str]]] = []
        self._controller: Controller | None = None

    # --- what arrived ---------------------------------------------------------------------

    def record(self, message_id: str, recipients: list[str]) -> None:
        with self._lock:
            self._received.append((message_id, recipients))

    def message_ids(self) -> collections.Counter:
        with self._lock:
            return collections.Counter(mid for mid, _ in self._received)

    def received(self) -> int:
        with self._lock:
            return len(self._received)

    # --- faults ---------------------------------------------------------------------------

    def up(self) -> None:
        if self._controller is None:
            self._controller = Controller(
                _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10
            )
            self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            with contextlib.suppress(Exception):
                self._controller.stop()
            self._controller = None

    def hang(self) -> None:
        self.hanging.set()

    def resume(self) -> None:
        self.hanging.clear()

    def stall_next_rcpt(self) -> None:
        self.stalled.clear()
        self.stall_armed.set()

    def __enter__(self) -> "SmtpServer":
        self.up()
        return self

    def __exit__(self, *exc) -> None:
        self.resume()
        self.down()
