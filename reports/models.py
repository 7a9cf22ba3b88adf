"""The reports have no table of their own; this unmanaged model only carries the permission
that opens them (`reports.view_reports`), given to the Clinic manager role."""

from django.db import models


class Report(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can see the manager's reports (includes money)")]

    def __str__(self) -> str:
        return "Manager reports"
