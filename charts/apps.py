from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ChartsConfig(AppConfig):
    name = "charts"
    verbose_name = "Session charts"

    def ready(self) -> None:
        from bookings.signals import client_erasing, client_exporting
        from charts import privacy, roles

        client_erasing.connect(privacy.erase_charts, dispatch_uid="charts.erase_charts")
        client_exporting.connect(privacy.export_charts, dispatch_uid="charts.export_charts")
        post_migrate.connect(roles.ensure_chart_roles, sender=self, dispatch_uid="charts.roles")
