"""Twilio's webhooks (inbound texts, delivery statuses) and the short manage link.

Every webhook carries `X-Twilio-Signature`, checked with the `twilio` library's
`RequestValidator` over the address Twilio called and the posted fields: a forged or
tampered request gets 403 and changes nothing. Twilio retries a webhook that timed out, so
each acts once: inbound texts on MessageSid, statuses only ever move forward.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from twilio.request_validator import RequestValidator

from core import phones
from texts import records, replies, services
from texts.gateway import PERMANENT

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _signed(request: HttpRequest) -> bool:
    if not services.enabled():
        return False
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    params = request.POST.dict()
    urls = {f"{settings.SITE_URL}{request.get_full_path()}", request.build_absolute_uri()}
    return any(validator.validate(url, params, signature) for url in urls)


def _twiml() -> HttpResponse:
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> HttpResponse:
    """A client's text to the clinic's number (Twilio's "A message comes in" webhook)."""
    if not _signed(request):
        return HttpResponseForbidden("Bad or missing Twilio signature.")
    sid = request.POST.get("MessageSid", "")[:64]
    number = phones.e164(request.POST.get("From", ""))
    if not sid or not number:
        return HttpResponse("MessageSid and From are required.", status=400)
    replies.inbound_receive(sid=sid, number=number, body=request.POST.get("Body", ""))
    return _twiml()


@csrf_exempt
@require_POST
def status(request: HttpRequest) -> HttpResponse:
    """Twilio's delivery-status callback for a text the clinic sent."""
    if not _signed(request):
        return HttpResponseForbidden("Bad or missing Twilio signature.")
    sid = request.POST.get("MessageSid", "")[:64]
    state = request.POST.get("MessageStatus", "")[:20]
    code = request.POST.get("ErrorCode", "")[:10]
    text = records.status_record(sid, state, code)
    if text is not None and code in PERMANENT and state in ("failed", "undelivered"):
        records.number_failed(str(text.number), code, PERMANENT[code], text.status_at)
    return HttpResponse(status=204)


@require_GET
def short(request: HttpRequest, code: str) -> HttpResponse:
    """`/m/<code>` from a text: on to the booking's manage page."""
    target = services.short_link_target(code)
    if target is None:
        raise Http404("No such link.")
    return redirect(target)
