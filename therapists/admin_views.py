"""Credential verification in the admin: the page button and the list action.

Only the clinic manager (`therapists.verify_credential`) may verify; the check is made here,
on the server, whatever the page shows."""

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from therapists.services import credentials_verify


@require_POST
def credential_verify(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """Record that clinic staff checked the credential with its issuer (who and when)."""
    if not request.user.has_perm("therapists.verify_credential"):
        raise PermissionDenied
    credential = model_admin.get_object(request, unquote(object_id))
    if credential is None:
        return model_admin._get_obj_does_not_exist_redirect(
            request, model_admin.model._meta, object_id
        )
    if verify_credentials(request, model_admin, [credential]):
        messages.success(request, f"{credential} is verified.")
    else:
        messages.info(request, f"{credential} was already verified.")
    return HttpResponseRedirect(reverse("admin:therapists_credential_change", args=[credential.pk]))


def verify_credentials(request: HttpRequest, model_admin: ModelAdmin, credentials) -> int:
    """Mark unverified credentials verified by the current user now, logged in the admin's
    history; how many were."""
    verified = credentials_verify(credentials=credentials, actor=request.user)
    for credential in verified:
        model_admin.log_change(request, credential, "Verified.")
    return len(verified)
