"""The admin site: two-factor rules, the guard on sensitive fields, labelled search boxes.

Staff see health data, so a password alone must not open the admin. The admin login asks for
the password only; with STAFF_REQUIRE_2FA on (the default whenever DEBUG is off) the
second-factor middleware then sends the session to enrol or verify (twofactor/), and a staff
session that was not verified is treated here as not staff, so no admin view (nor any page
behind `admin_view`: money, reports) opens on a password alone.
"""

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.views.autocomplete import AutocompleteJsonView

from ashiatsu_clinic import admin_filters, admin_privacy
from twofactor import policy


class ClinicAdminSite(AdminSite):
    """The admin whose permission needs a verified session when two-factor is required."""

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        """Every ModelAdmin refuses lookups on sensitive fields (admin_privacy.py) and turns
        bad filter values into the "invalid filter" answer (admin_filters.py)."""
        super().register(model_or_iterable, admin_class, **options)
        _guard_every_admin(self)

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


def install() -> None:
    """Give the default admin site (where every ModelAdmin is registered) the 2FA rules,
    every ModelAdmin registered so far the guard on sensitive fields and the "bad filter
    value is an invalid filter" changelist (later ones get both from
    `ClinicAdminSite.register`)."""
    admin.site.__class__ = ClinicAdminSite
    _guard_every_admin(admin.site)


def _guard_every_admin(site: AdminSite) -> None:
    admin_filters.apply_to_every_admin(site)
    for model_admin in site._registry.values():
        admin_privacy.guard(model_admin)
