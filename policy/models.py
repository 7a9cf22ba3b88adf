"""The clinic's own rules that a manager changes without a developer: one row.

A clinic decides how late a client may still cancel or move online; that is a business
choice, not infrastructure, so it is kept here and edited on one admin page (clinic
managers only; every change is in the admin's history with who and when). Until a manager
saves the page, the environment's settings are the rules (`policy.rules`).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

MAX_CUTOFF_HOURS = 168  # a week: a longer cut-off would forbid changing most bookings


class ClinicPolicy(models.Model):
    """The single row of clinic settings (id 1)."""

    client_change_cutoff_hours = models.PositiveSmallIntegerField(
        "client change cut-off (hours)",
        validators=[MaxValueValidator(MAX_CUTOFF_HOURS)],
        help_text="Clients may cancel or move a booking online until this many hours before "
        "it starts; later, only staff can. A change applies at once to every booking, "
        "and never cancels or moves one.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )

    class Meta:
        verbose_name = "clinic settings"
        verbose_name_plural = "clinic settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="clinic_policy_one_row")
        ]

    def __str__(self) -> str:
        return "Clinic settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
