"""The admin site (`admin.site`, through admin_config.py): two-factor rules, the clinic's
ModelAdmin base for every admin, labelled search boxes.

Staff see health data, so a password alone must not open the admin. The admin login asks for
the password only; with STAFF_REQUIRE_2FA on (the default whenever DEBUG is off) the
second-factor middleware then sends the session to enrol or verify (twofactor/), and a staff
session that was not verified is treated here as not staff, so no admin view (nor any page
behind `admin_view`: money, reports) opens on a password alone.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.views.autocomplete import AutocompleteJsonView

from core.model_admin import with_clinic_base
from twofactor import policy


class ClinicAdminSite(AdminSite):
    """The admin whose permission needs a verified session when two-factor is required."""

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        """Every ModelAdmin is a ClinicModelAdmin (core/model_admin.py): it refuses lookups
        on sensitive fields and answers bad filter values as an invalid filter."""
        super().register(model_or_iterable, with_clinic_base(admin_class), **options)

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and not policy.must_verify(request.user)

    def index(self, request, extra_context=None):
        """The home page links managers to the two-factor reset page."""
        extra_context = {
            **(extra_context or {}),
            "may_reset_two_factor": policy.may_reset_devices(request.user),
        }
        return super().index(request, extra_context)

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
