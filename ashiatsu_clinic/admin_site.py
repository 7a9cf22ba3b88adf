"""The admin requires two-factor authentication (django-otp) in production.

Staff see health data, so a password alone must not open the admin. With
ADMIN_REQUIRE_2FA on (the default whenever DEBUG is off), the admin login asks for a one-time
code from a registered device (an authenticator app: TOTP), and staff whose session was not
verified by one are treated as not staff. A first code for a new manager comes from
`manage.py addstatictoken USERNAME`; they then add an authenticator in the admin.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from core.model_admin import with_clinic_base


class ClinicAdminSite(OTPAdminSite):
    """OTPAdminSite whose requirement follows settings.ADMIN_REQUIRE_2FA at request time;
    `admin.site` (see admin_config.py), so it keeps the admin's name and URL namespace."""

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.ADMIN_REQUIRE_2FA else None

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.ADMIN_REQUIRE_2FA else None

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        """Every ModelAdmin is a ClinicModelAdmin (core/model_admin.py): it refuses lookups
        on sensitive fields and answers bad filter values as an invalid filter."""
        admin_class = with_clinic_base(admin_class)
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request) -> bool:
        if settings.ADMIN_REQUIRE_2FA:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)

    def autocomplete_view(self, request):
        return LabelledAutocomplete.as_view(admin_site=self)(request)


class LabelledAutocomplete(AutocompleteJsonView):
    """The admin's search boxes (autocomplete fields), each result worded by the searched
    model's admin when it says how (`autocomplete_label`): two clients called Ana Lopez
    must not look alike where staff attach a clearance letter to one of them."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result
