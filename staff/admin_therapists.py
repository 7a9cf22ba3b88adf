"""What bookings add to the therapist admin pages (registered in place of `therapists.admin`'s
own): the styles a therapist may perform today, a warning when time off clashes with booked
sessions, and the expiring-credentials page with the sessions each lapse touches.

Bookings sit above therapists, so they extend the therapists' admin classes here; the
therapists app never imports bookings.
"""

from django.contrib import admin, messages
from django.db.models import OuterRef, Prefetch, Subquery
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from bookings.models import Appointment, Style
from core.clock import clinic_today
from staff.admin_views.credentials import expiring_credentials
from therapists import admin as therapists_admin
from therapists.models import Credential, CredentialKind, Therapist, TimeOff
from therapists.qualifications import licensed_on, span_of, styles_on

KIND_ORDER = {kind: index for index, kind in enumerate(CredentialKind.values)}


def warn_about_bookings(request, time_off: TimeOff) -> None:
    """Time off does not cancel anything by itself: tell staff which bookings to move."""
    clashes = list(
        Appointment.objects.active()
        .filter(
            therapist_id=time_off.therapist_id,
            start__lt=time_off.end,
            occupied_until__gt=time_off.start,
        )
        .order_by("start")
        .values_list("pk", "reference")
    )
    if clashes:
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:bookings_appointment_change", args=[pk]), reference)
                for pk, reference in clashes
            ),
        )
        messages.warning(
            request,
            format_html(
                "This time off overlaps {} booked session(s), which still stand: {}. "
                "Move or cancel them.",
                len(clashes),
                links,
            ),
        )


class TherapistAdmin(therapists_admin.TherapistAdmin):
    list_display = [
        *therapists_admin.TherapistAdmin.list_display[:3],
        "styles_today",
        *therapists_admin.TherapistAdmin.list_display[3:],
    ]

    def get_queryset(self, request):
        # Each credential valid today carries the style it certifies for (a subquery in the
        # same prefetch), so the list stays at a fixed number of queries.
        certifies = Style.objects.filter(required_credential=OuterRef("kind")).order_by("slug")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "credentials",
                    queryset=Credential.objects.valid_on(clinic_today()).annotate(
                        certified_style=Subquery(certifies.values("slug")[:1])
                    ),
                    to_attr="valid_today",
                )
            )
        )

    @admin.display(description="May perform today")
    def styles_today(self, therapist: Therapist) -> str:
        """The styles a verified licence and certification cover today (SPEC rule 1)."""
        today = clinic_today()
        spans = [span_of(c) for c in therapist.valid_today]
        if not licensed_on(spans, today):
            return "— (no valid licence)" if spans else "—"
        styles = {
            c.certified_style: c.kind
            for c in sorted(therapist.valid_today, key=lambda c: KIND_ORDER.get(c.kind, 99))
            if c.certified_style
        }
        return ", ".join(styles_on(spans, today, styles)) or "—"

    def time_off_saved(self, request, time_off: TimeOff) -> None:
        warn_about_bookings(request, time_off)


class TimeOffAdmin(therapists_admin.TimeOffAdmin):
    def time_off_saved(self, request, time_off: TimeOff) -> None:
        warn_about_bookings(request, time_off)


class CredentialAdmin(therapists_admin.CredentialAdmin):
    def extra_urls(self, wrap) -> list:
        return [
            path("expiring/", wrap(expiring_credentials), name="therapists_credential_expiring")
        ]


for model, model_admin in (
    (Therapist, TherapistAdmin),
    (TimeOff, TimeOffAdmin),
    (Credential, CredentialAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
