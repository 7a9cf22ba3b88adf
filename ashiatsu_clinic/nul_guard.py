"""An address with a NUL character is refused (400) before any view reads it.

No page takes a NUL in its path or query string, and PostgreSQL refuses one in any text it
compares: `?status__exact=%00` on an admin list, or a preselected slug, would otherwise
reach the database and fail there as a server error, page by page. Forms already refuse
NUL in what they clean (Django's CharField); this is the same rule for the address, in one
place for every page. The JSON API is left to its own validation, which already names the
field with the NUL in a 422 (`bookings.api`).
"""

from django.http import HttpRequest, HttpResponse

MESSAGE = "The address contains a character that is not allowed (NUL). Check the link."


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def refuse_nul_in_address(get_response):
    def middleware(request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/") and _has_nul(request):
            return HttpResponse(MESSAGE, status=400, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware
