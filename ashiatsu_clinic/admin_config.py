"""The admin app with the clinic's site as `admin.site` (Django's `AdminConfig.default_site`):
every `admin.register` of every app, ours and third-party, lands on `ClinicAdminSite`."""

from django.contrib.admin.apps import AdminConfig


class ClinicAdminConfig(AdminConfig):
    default_site = "ashiatsu_clinic.admin_site.ClinicAdminSite"
