"""The base of every ModelAdmin of the clinic: `ClinicModelAdmin`.

Staff lists must never be filtered, searched or ordered on health data, secrets or tokens
(`core.admin_privacy`), and a bad filter value must get the admin's "invalid filter" answer,
never a 500 (`core.admin_filters`). Both rules live in this one base class, so an admin
cannot opt out by forgetting: our apps' admins subclass it, and `ClinicAdminSite.register`
gives it to third-party admins (auth, two-factor devices, axes, tasks) as they register.
"""

from django.contrib import admin

from core.admin_filters import SafeFilterAdminMixin
from core.admin_privacy import SensitiveFieldsGuard


class ClinicModelAdmin(SafeFilterAdminMixin, SensitiveFieldsGuard, admin.ModelAdmin):
    """A ModelAdmin that refuses sensitive lookups and answers bad filters cleanly."""


def with_clinic_base(admin_class: type[admin.ModelAdmin] | None) -> type[ClinicModelAdmin]:
    """`admin_class` if it is a ClinicModelAdmin, else a subclass of both (a third-party
    admin keeps everything it declares; the clinic's rules come first in the bases)."""
    if admin_class is None:
        return ClinicModelAdmin
    if issubclass(admin_class, ClinicModelAdmin):
        return admin_class
    return type(
        admin_class.__name__,
        (ClinicModelAdmin, admin_class),
        {"__module__": admin_class.__module__, "given_the_clinic_base": True},
    )
