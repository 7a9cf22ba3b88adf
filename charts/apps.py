from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ChartsConfig(AppConfig):
    name = "charts"
    verbose_name = "Session charts"

    def ready(self) -> None:
        from bookings import privacy as bookings_privacy
        from bookings import record_sections
        from charts import photos, privacy, record, roles

        bookings_privacy.appointments_erased.connect(privacy.erase_charts, dispatch_uid="charts")
        bookings_privacy.client_exported.connect(privacy.export_charts, dispatch_uid="charts")
        bookings_privacy.retention_due.connect(privacy.on_retention_due, dispatch_uid="charts")
        bookings_privacy.appointments_erased.connect(
            photos.on_appointments_erased, dispatch_uid="charts.photos"
        )
        bookings_privacy.retention_due.connect(
            photos.on_retention_due, dispatch_uid="charts.photos"
        )
        record_sections.section_register("charts", "Session charts", record.record_section)
        post_migrate.connect(roles.ensure_chart_roles, sender=self, dispatch_uid="charts.roles")
