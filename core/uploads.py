"""Request bodies bounded before they are read, so a huge upload costs the clinic nothing.

Three limits, each refusing with a clear 413 page (`413.html`) and saving nothing:

- a multipart body whose declared length (`Content-Length`) is over
  `FILE_UPLOAD_MAX_BYTES` (the largest file any form takes: a clearance letter) plus
  `FORM_ALLOWANCE` for the other fields is refused before a byte of it is read. Any other
  body Django itself refuses to read over `DATA_UPLOAD_MAX_MEMORY_SIZE`, by the same
  declared length (`RequestDataTooBig`; the API answers it with its own JSON 413). The
  server never reads past the declared length (Django's `LimitedStream`), so a body that
  lies about its length cannot get more in;
- while a multipart body is parsed, `BoundedFileUploadHandler` (first in
  `FILE_UPLOAD_HANDLERS`) counts each file's bytes and stops reading the moment one passes
  `FILE_UPLOAD_MAX_BYTES`, so a file over the limit is never kept whole, in memory or on
  disk;
- the form then checks the letter's own limit and content (`health.clearances`).

`BoundedUploadMiddleware` runs before the CSRF check, which is the first to read a form.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

FORM_ALLOWANCE = 256 * 1024
REFUSED = "_upload_refused"


def multipart_limit() -> int:
    return settings.FILE_UPLOAD_MAX_BYTES + FORM_ALLOWANCE


class BoundedFileUploadHandler(FileUploadHandler):
    """Stops the upload (reading no further) when one file passes `FILE_UPLOAD_MAX_BYTES`;
    the middleware then answers 413. Passes every chunk on to the next handler."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.FILE_UPLOAD_MAX_BYTES:
            setattr(self.request, REFUSED, True)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    # No "Connection: close" here: a WSGI application may not set hop-by-hop headers; the
    # server closes a connection whose body was not read.
    return HttpResponse(
        render_to_string("413.html", {"limit_mb": f"{limit / 1_048_576:.1f}"}, request=None),
        status=413,
    )


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return None


class BoundedUploadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        length = _declared_length(request)
        if length is None:
            return HttpResponse("Bad Content-Length.", status=400, content_type="text/plain")
        if request.content_type != "multipart/form-data":
            # Django itself refuses to read such a body over DATA_UPLOAD_MAX_MEMORY_SIZE by
            # its declared length (RequestDataTooBig, before a byte is read), and each view
            # answers that in its own way (the API: 413 `too_large` in JSON).
            return self.get_response(request)
        if length > multipart_limit():
            return too_large(request, settings.FILE_UPLOAD_MAX_BYTES)
        try:
            request.POST  # noqa: B018 - parse now, with the bounded handler, before any view
        except RequestDataTooBig:
            return too_large(request, settings.FILE_UPLOAD_MAX_BYTES)
        if getattr(request, REFUSED, False):
            return too_large(request, settings.FILE_UPLOAD_MAX_BYTES)
        return self.get_response(request)
