"""The one way a clearance letter leaves the clinic's private storage: this view.

The letter is health data. It is served only to those `bookings.clearances` allows (the
clinic manager, a therapist with a session with the client), each read logged there first,
as a download (`Content-Disposition: attachment`) of the type its content was checked to be,
with `nosniff` and no caching. Anyone signed out goes to the login page; the front desk (staff
without the permission) gets 403; another therapist gets 404, as for another therapist's
appointments, so a guessed number tells them nothing. A session that has not passed its
second factor never reaches this view (twofactor.middleware): a password alone opens no
health data.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bookings import clearances
from health.models import Clearance


@require_GET
@never_cache
@login_required
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    clearance = get_object_or_404(Clearance, pk=pk)
    if not clearances.may_read_clearance(user, clearance):
        if clearances.is_therapist(user) and not user.is_staff:
            raise Http404("No such clearance.")
        raise PermissionDenied("You may not read this client's clearance letter.")
    try:
        data, content_type = clearances.read_clearance_letter(
            clearance=clearance, user=user, where="clearance letter download"
        )
    except LookupError as missing:
        raise Http404(str(missing)) from missing
    response = HttpResponse(data, content_type=content_type)
    filename = clearances.letter_filename(clearance)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
