"""Which client record this browser session is signed in as (set by a sign-in link).

The session holds the record's id and address. `SignedInClientMiddleware` puts the record
on `request.client_record` (None when signed out), following merges, and signs the session
out when the record was erased or its address changed since: the link proved that address,
not whatever the record says now. Lower apps read `request.client_record` (the booking
form fills contact details from it) without importing this app.
"""

from django.http import HttpRequest

from clients.models import Client

SESSION_KEY = "account_client"


def sign_in(request: HttpRequest, record: Client) -> None:
    request.session.cycle_key()  # a new session id on privilege change
    request.session[SESSION_KEY] = {"id": record.pk, "email": record.email.lower()}
    request.client_record = record


def sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    request.client_record = None


def _record(request: HttpRequest) -> Client | None:
    signed = request.session.get(SESSION_KEY)
    if not isinstance(signed, dict):
        return None
    record = Client.objects.filter(pk=signed.get("id")).first()
    for _hop in range(5):  # merges chain rarely; a cycle cannot occur, but bound it anyway
        if record is None or record.merged_into_id is None:
            break
        record = Client.objects.filter(pk=record.merged_into_id).first()
    if record is None or record.email.lower() != signed.get("email"):
        request.session.pop(SESSION_KEY, None)
        return None
    return record


class SignedInClientMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        # Only sessions that signed in pay the (one or two) queries.
        signed_in = SESSION_KEY in request.session
        request.client_record = _record(request) if signed_in else None
        return self.get_response(request)
