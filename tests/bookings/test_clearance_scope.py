"""A clearance's scope survives every path that writes a session (one rule,
`clearances.session_restriction`): re-confirmation, a move to another day, a series, and the
sessions still to come when a clearance is withdrawn. (Waitlist offers: tests/waitlist.)"""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings import clearances, privacy
from bookings.booking_changes import booking_reschedule
from bookings.intake_review import intake_approve
from bookings.models import AppointmentEvent, AppointmentStatus
from bookings.reconfirmation_links import reconfirmation_link_issue
from bookings.series import series_book
from bookings.services import ClientDetails, booking_create
from clients.models import Client
from health import questionnaires, screening
from health.models import Clearance, ClearanceScope
from health.screening import clear_answers
from outbox.services import emails_deliver_due
from tests.bookings.clinic import local_time
from tests.bookings.test_booking_pages import form_answers
from tests.factories import AppointmentFactory, ClearanceFactory, ClientFactory, UserFactory

pytestmark = pytest.mark.django_db

ADA = ClientDetails("Ada Lovelace", "ada@example.com", "+1 212 555 0199")
LIGHT = ClearanceScope.LIGHT_PRESSURE


@pytest.fixture(autouse=True)
def no_second_factor(settings):
    settings.ADMIN_REQUIRE_2FA = False
    settings.STAFF_REQUIRE_2FA = False  # the setting's newer name


@pytest.fixture
def verified():
    """Ada's verified record (she opened a sign-in link)."""
    return ClientFactory(
        name=ADA.name,
        email=ADA.email,
        confirmed_at=timezone.now(),
        confirmed_by=Client.ConfirmedBy.EMAIL_LINK,
    )


def approved(clinic, manager, *, days=6, scope=LIGHT, valid_until=None, **answers):
    """A session held for its disc condition (deep pressure asked), then approved by staff
    under a clearance recorded on its record."""
    appointment = booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(days, 10),
        client=ADA,
        answers=clear_answers(disc_condition=True, pressure="deep", **answers),
    ).appointment
    assert appointment.status == AppointmentStatus.PENDING_REVIEW
    extra = {"valid_until": valid_until} if valid_until else {}
    clearance = ClearanceFactory(
        client=appointment.client, scope=scope, conditions=["disc_condition"], **extra
    )
    intake_approve(appointment=appointment, actor=manager)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.intake.effective_pressure == ("light" if scope == LIGHT else "deep")
    return appointment, clearance


def subjects() -> dict[str, list[str]]:
    emails_deliver_due(now=timezone.now())
    return {m.subject.split(" (")[0]: m.to for m in mail.outbox}


# --- The rule itself ---------------------------------------------------------------------------


def deep_answers(**more):
    return clear_answers(disc_condition=True, pressure="deep", **more)


def test_the_rule_takes_the_strictest_of_intake_and_scope(verified):
    day = timezone.localdate() + dt.timedelta(days=3)

    def restriction(answers):
        result = screening.screen(answers, on=day)
        return clearances.session_restriction(
            client=verified, day=day, result=result, answers=answers
        )

    assert restriction(deep_answers()) == clearances.Restriction("deep", None, True)
    full = ClearanceFactory(client=verified, scope="full")
    assert restriction(deep_answers()) == clearances.Restriction("deep", full, False)
    # A rule's cap (mild back pain) stays under a full clearance: a clearance never lifts it.
    assert restriction(deep_answers(back_pain_now="mild")).pressure == "light"
    full.delete()
    light = ClearanceFactory(client=verified, scope=LIGHT)
    assert restriction(deep_answers()) == clearances.Restriction("light", light, False)
    assert restriction(clear_answers(pressure="deep")) == clearances.Restriction(
        "deep", None, False
    )


# --- Re-confirmation ---------------------------------------------------------------------------


def reconfirm_url(appointment) -> str:
    token = reconfirmation_link_issue(appointment=appointment)
    return reverse("bookings:reconfirm_change", args=[token])


def test_a_harmless_change_at_reconfirmation_keeps_light_pressure(client, clinic, manager):
    appointment, clearance = approved(clinic, manager)
    posted = form_answers(disc_condition=True, pressure="deep", avoid_areas="Left knee")
    response = client.post(reconfirm_url(appointment), posted)
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.intake.answers["avoid_areas"] == "Left knee"
    assert appointment.intake.effective_pressure == "light"
    assert "Light pressure only" in appointment.intake.flags
    event = appointment.events.filter(kind=AppointmentEvent.Kind.RECONFIRMED).get()
    assert event.details["clearance"] == clearance.pk


def test_reconfirmation_uses_the_clearance_on_record_for_a_new_condition(client, clinic):
    appointment = booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(6, 10),
        client=ADA,
        answers=clear_answers(pressure="deep"),
    ).appointment
    on_file = ClearanceFactory(client=appointment.client, scope=LIGHT, conditions=["implant"])
    response = client.post(reconfirm_url(appointment), form_answers(implant=True, pressure="deep"))
    assert response.status_code == 302  # recorded, not sent to review
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.intake.outcome == questionnaires.NEEDS_CLEARANCE
    assert appointment.intake.effective_pressure == "light"
    event = appointment.events.filter(kind=AppointmentEvent.Kind.RECONFIRMED).get()
    assert event.details["clearance"] == on_file.pk and event.details["result"] == "recorded"


def test_a_clearance_that_does_not_cover_the_new_condition_still_sends_it_to_review(
    client, clinic, manager
):
    appointment, _clearance = approved(clinic, manager)
    posted = form_answers(disc_condition=True, blood_thinners=True)
    assert client.post(reconfirm_url(appointment), posted).status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PENDING_REVIEW


# --- Moving the session ------------------------------------------------------------------------


def test_a_move_past_the_clearances_end_goes_back_to_review(clinic, manager, settings):
    appointment, _clearance = approved(
        clinic, manager, days=3, valid_until=local_time(5, 10).date()
    )
    mail.outbox.clear()
    booking_reschedule(appointment=appointment, start=local_time(8, 10), actor=manager)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PENDING_REVIEW
    status = appointment.events.filter(kind=AppointmentEvent.Kind.STATUS).latest("at", "id")
    assert (status.details["old"], status.details["new"]) == ("confirmed", "pending_review")
    sent = subjects()
    assert sent["Your Ashiatsu session needs a quick review"] == [ADA.email]
    assert sent["No clearance covers it any more: back to review"] == [settings.CLINIC_EMAIL]


def test_a_move_within_the_clearance_keeps_its_scope(clinic, manager):
    appointment, clearance = approved(clinic, manager, days=3)
    booking_reschedule(appointment=appointment, start=local_time(4, 12), actor=manager)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.intake.effective_pressure == "light"


def test_a_move_onto_a_day_only_a_light_clearance_covers_caps_the_pressure(clinic, manager):
    appointment, full = approved(
        clinic, manager, days=3, scope="full", valid_until=local_time(5, 10).date()
    )
    ClearanceFactory(
        client=appointment.client,
        scope=LIGHT,
        conditions=["disc_condition"],
        cleared_on=local_time(4, 10).date(),
    )
    booking_reschedule(appointment=appointment, start=local_time(8, 10), actor=manager)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.intake.effective_pressure == "light"


# --- A series ----------------------------------------------------------------------------------


def test_a_series_follows_the_same_rule_session_by_session(clinic, verified):
    on_file = ClearanceFactory(
        client=verified,
        scope=LIGHT,
        conditions=["disc_condition"],
        valid_until=local_time(10, 10).date(),
    )
    booked = series_book(
        client=verified,
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        first_start=local_time(3, 10),
        interval_weeks=2,
        sessions=3,
        answers=deep_answers(),
        actor=UserFactory(username="front", is_staff=True),
    ).bookings
    first, *later = [b.appointment for b in booked]
    assert first.status == AppointmentStatus.CONFIRMED
    assert first.intake.effective_pressure == "light"
    assert first.events.get(kind="created").details["clearance"] == on_file.pk
    # Sessions after the clearance's end are held for review, as a single booking would be.
    assert [a.status for a in later] == [AppointmentStatus.PENDING_REVIEW] * 2


# --- Withdrawing a clearance ---------------------------------------------------------------------


def withdraw_url(clearance) -> str:
    return reverse("admin:health_clearance_withdraw", args=[clearance.pk])


class TestWithdrawal:
    def test_staff_withdraw_it_and_sessions_to_come_go_back_to_review(
        self, client, clinic, manager, settings
    ):
        appointment, clearance = approved(clinic, manager)
        past = AppointmentFactory(
            client=appointment.client, start=local_time(-20, 10), status="completed"
        )
        client.force_login(manager)
        page = client.get(reverse("admin:health_clearance_change", args=[clearance.pk]))
        assert withdraw_url(clearance) in page.content.decode()
        assert client.get(withdraw_url(clearance)).status_code == 200
        mail.outbox.clear()
        response = client.post(withdraw_url(clearance), {"reason": "The GP took it back"})
        assert response.status_code == 302
        clearance.refresh_from_db()
        assert clearance.withdrawn_by == manager
        assert clearance.withdrawn_reason == "The GP took it back"
        assert clearance.withdrawn_at is not None and not clearance.covers(timezone.localdate())
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.PENDING_REVIEW
        status = appointment.events.filter(kind=AppointmentEvent.Kind.STATUS).latest("at", "id")
        assert status.actor == manager and status.details["clearance_withdrawn"] == clearance.pk
        past.refresh_from_db()
        assert past.status == AppointmentStatus.COMPLETED  # history kept
        sent = subjects()
        assert sent["Your Ashiatsu session needs a quick review"] == [ADA.email]
        assert sent["No clearance covers it any more: back to review"] == [settings.CLINIC_EMAIL]
        page = client.get(reverse("admin:health_clearance_change", args=[clearance.pk]))
        assert "Withdrawn on" in page.content.decode() and "The GP took it back" in (
            page.content.decode()
        )
        # Approving again needs another clearance: the withdrawn one covers nothing.
        assert clearances.approval_refusal(appointment) is not None
        exported = privacy.client_export(email=ADA.email, user=manager)["clearances"]
        assert [e["withdrawn_because"] for e in exported] == ["The GP took it back"]
        assert exported[0]["withdrawn_on"] == timezone.localdate().isoformat()

    def test_a_reason_is_required_and_only_once(self, client, clinic, manager):
        appointment, clearance = approved(clinic, manager)
        client.force_login(manager)
        response = client.post(withdraw_url(clearance), {"reason": "  "})
        assert response.status_code == 400
        clearance.refresh_from_db()
        assert clearance.withdrawn_at is None
        assert client.post(withdraw_url(clearance), {"reason": "Error"}).status_code == 302
        again = client.post(withdraw_url(clearance), {"reason": "Error"})
        assert again.status_code == 400 and "already withdrawn" in again.content.decode()

    def test_the_front_desk_may_not_withdraw(self, client, front_desk, clinic, manager):
        _appointment, clearance = approved(clinic, manager)
        client.force_login(front_desk)
        assert client.post(withdraw_url(clearance), {"reason": "x"}).status_code == 403
        clearance.refresh_from_db()
        assert clearance.withdrawn_at is None

    def test_another_clearance_on_record_keeps_the_session_going(self, clinic, manager):
        from bookings.clearance_withdrawal import clearance_withdraw

        appointment, clearance = approved(clinic, manager)
        ClearanceFactory(client=appointment.client, scope="full", conditions=["disc_condition"])
        assert clearance_withdraw(clearance=clearance, by=manager, reason="Replaced") == []
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED
        assert appointment.intake.effective_pressure == "deep"  # the full one's scope now

    def test_a_later_booking_is_no_longer_spared_the_review(self, clinic, manager, verified):
        from bookings.clearance_withdrawal import clearance_withdraw

        clearance = ClearanceFactory(client=verified, scope=LIGHT)
        clearance_withdraw(clearance=clearance, by=manager, reason="Recorded in error")
        booked = booking_create(
            service=clinic.bar_60,
            therapist=clinic.therapists[0],
            start=local_time(3, 10),
            client=ADA,
            answers=deep_answers(),
            record=verified,
        )
        assert booked.appointment.status == AppointmentStatus.PENDING_REVIEW


# --- Dates ---------------------------------------------------------------------------------------


ADD_URL = "/admin/health/clearance/add/"


def add_form(record, **overrides) -> dict:
    return {
        "client": record.pk,
        "cleared_by_name": "Dr Maya Lee",
        "cleared_by_role": "physician",
        "cleared_on": timezone.localdate().isoformat(),
        "valid_until": "",
        "scope": LIGHT,
        "restrictions": "",
        "conditions": ["disc_condition"],
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cleared_on": "9999-06-01"}, "cannot be dated in the future"),
        ({"cleared_on": "1850-01-01"}, "too long ago"),
        ({"valid_until": "9999-12-31"}, "lasts at most 5 years"),
    ],
)
def test_a_clearance_dated_out_of_range_is_refused_with_a_message(
    client, manager, verified, overrides, message
):
    client.force_login(manager)
    response = client.post(ADD_URL, add_form(verified, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Clearance.objects.exists()


def test_the_service_refuses_a_far_future_clearance_too(manager, verified):
    details = clearances.ClearanceDetails(
        cleared_by_name="Dr Lee",
        cleared_by_role="physician",
        cleared_on=dt.date(9999, 6, 1),
        scope="full",
        conditions=["implant"],
    )
    with pytest.raises(clearances.ClearanceError, match="future"):
        clearances.clearance_record(client=verified, details=details, by=manager)


def test_a_stored_date_near_the_calendars_end_is_judged_not_an_error():
    answers = clear_answers(fracture_recent=True, fracture_date="9999-12-01")
    result = screening.screen(answers, on=timezone.localdate())  # stored: no `today`
    assert result.is_declined and result.bookable_from == dt.date.max
