"""The second step of sign-in, mounted at /two-factor/ (open to a half-signed-in session),
and the passkey ceremonies under it."""

from django.urls import include, path

from twofactor import views

app_name = "twofactor"

urlpatterns = [
    path("", views.start, name="start"),
    path("enrol/", views.enrol, name="enrol"),
    path("verify/", views.verify, name="verify"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
]

# Mounted separately so the namespace is django-otp-webauthn's own (its template tags
# reverse "otp_webauthn:...").
passkey_urls = path("two-factor/passkey/", include("twofactor.passkeys"))

# The manager's page, mounted under /admin/ (admin login, verified session, managers only).
reset_patterns = (
    [
        path("", views.reset_list, name="list"),
        path("<int:user_id>/reset/", views.reset, name="reset"),
    ],
    "twofactor_reset",
)
