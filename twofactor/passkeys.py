"""django-otp-webauthn's passkey ceremonies, mounted at /two-factor/passkey/ under its own
namespace (its template tags reverse "otp_webauthn:..."), with one change: when a ceremony
verifies the session, the session gets a new id, as the code form does."""

from django.http import HttpResponse
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views


class _NewSessionIdOnceVerified:
    def post(self, request, *args, **kwargs) -> HttpResponse:
        was_verified = request.user.is_authenticated and request.user.is_verified()
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200 and not was_verified and request.user.is_verified():
            request.session.cycle_key()
        return response


class RegistrationComplete(_NewSessionIdOnceVerified, views.CompleteCredentialRegistrationView):
    pass


class AuthenticationComplete(_NewSessionIdOnceVerified, views.CompleteCredentialAuthenticationView):
    pass


app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        views.BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        RegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        AuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
