"""Uploads are bounded before they are read (core/uploads.py): a clearance letter over the
limit is refused with a 413 page, having read at most the limit, and nothing is stored."""

import io
import socket
import time
from urllib.parse import urlsplit

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from health.models import Clearance
from tests.factories import ClientFactory

ADD_URL = "/admin/health/clearance/add/"
LIMIT = 256 * 1024


@pytest.fixture
def small_limit(settings, tmp_path):
    settings.FILE_UPLOAD_MAX_BYTES = LIMIT
    settings.CLEARANCE_LETTERS_ROOT = tmp_path / "letters"
    settings.ADMIN_REQUIRE_2FA = False
    settings.STAFF_REQUIRE_2FA = False  # the setting's newer name
    return tmp_path / "letters"


def letter(size: int) -> bytes:
    return b"%PDF-1.4\n" + b" " * (size - 16) + b"\n%%EOF\n"


def form(record_pk: int, data: bytes) -> dict:
    return {
        "client": str(record_pk),
        "cleared_by_name": "Dr Maya Lee",
        "cleared_by_role": "physician",
        "cleared_on": "2026-01-05",
        "scope": "light_pressure",
        "conditions": ["disc_condition"],
        "letter": io.BytesIO(data),
    }


class CountingStream(io.BytesIO):
    """The request body, counting what the server reads of it."""

    taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.taken += len(line)
        return line


def through_middleware(body: bytes, *, declared: int | str | None = None):
    from core.uploads import BoundedUploadMiddleware

    stream = CountingStream(body)
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": ADD_URL,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "CONTENT_TYPE": MULTIPART_CONTENT,
            "CONTENT_LENGTH": str(len(body) if declared is None else declared),
            "wsgi.input": stream,
        }
    )

    def view(request):
        raise AssertionError("the view must not run")

    return BoundedUploadMiddleware(view)(request), stream


@pytest.mark.django_db
def test_a_letter_over_the_limit_is_refused_with_413_and_nothing_stored(
    client, manager, small_limit
):
    record = ClientFactory()
    client.force_login(manager)
    response = client.post(ADD_URL, form(record.pk, letter(LIMIT + 100 * 1024)))
    assert response.status_code == 413
    page = response.content.decode()
    assert "This upload is too large" in page and "0.2 MB" in page
    assert not Clearance.objects.exists()
    assert not small_limit.exists() or not any(small_limit.iterdir())


@pytest.mark.django_db
def test_a_letter_within_the_limit_still_goes_through(client, manager, small_limit):
    record = ClientFactory()
    client.force_login(manager)
    response = client.post(ADD_URL, form(record.pk, letter(LIMIT - 4096)))
    assert response.status_code == 302
    assert Clearance.objects.get().letter_size == LIMIT - 4096


def test_the_parser_stops_reading_once_a_file_passes_the_limit(small_limit):
    body = encode_multipart(BOUNDARY, form(1, letter(LIMIT + 200 * 1024)))
    response, stream = through_middleware(body)
    assert response.status_code == 413
    assert stream.taken < LIMIT + 150 * 1024 < len(body)  # stopped within a chunk or two


def test_a_declared_length_over_the_limit_is_refused_unread(small_limit):
    body = encode_multipart(BOUNDARY, form(1, letter(4096)))
    response, stream = through_middleware(body, declared=50 * 1024 * 1024)
    assert response.status_code == 413 and stream.taken == 0


def test_a_malformed_length_is_a_400(small_limit):
    response, _stream = through_middleware(b"--x", declared="12abc")
    assert response.status_code == 400


def test_a_huge_form_body_is_refused_before_it_is_read(settings):
    """Not multipart: the middleware lets it through, and Django refuses to read it by its
    declared length (each view answers RequestDataTooBig its own way)."""
    from django.core.exceptions import RequestDataTooBig

    from core.uploads import BoundedUploadMiddleware

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    stream = CountingStream(b"a=" + b"x" * 4096)
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": "4098",
            "wsgi.input": stream,
        }
    )

    def view(request):
        with pytest.raises(RequestDataTooBig):
            request.POST  # noqa: B018
        return "reached"

    assert BoundedUploadMiddleware(view)(request) == "reached"
    assert stream.taken == 0


@pytest.mark.django_db(transaction=True)
def test_a_real_server_answers_413_before_the_body_is_sent(live_server):
    """A client declares a 60 MB upload and sends only its first kilobytes: the server
    answers at once instead of waiting for (and reading) the rest."""
    address = urlsplit(live_server.url)
    head = (
        f"POST {ADD_URL} HTTP/1.1\r\nHost: {address.netloc}\r\n"
        f"Content-Type: {MULTIPART_CONTENT}\r\nContent-Length: {60 * 1024 * 1024}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(head + f"--{BOUNDARY}\r\n".encode() + b"x" * 4096)
        received = b""
        while b"</html>" not in received:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:  # closed with the rest of the body unread
                break
            if not chunk:
                break
            received += chunk
    answer = received.decode("utf-8")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "This upload is too large" in answer
    assert time.monotonic() - started < 5
