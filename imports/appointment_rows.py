"""Future appointments from another system's export, each booked by the booking service's
own steps (`bookings.services`: `slot_lock`, `slot_find`, `intake_screen`,
`booking_write_locked`, the ones a treatment plan books with), so every rule holds: the
therapist's credentials on the day, working hours, time off, closed days, the daily cap,
the weekly budget, a free room, no overlap. A row the rules refuse is listed with the
reason; nothing is forced in.

What differs from a client booking online, and why (docs/decisions/0045):
- the minimum notice and the booking horizon do not apply (the appointment was already
  made; a treatment plan reaches past the horizon the same way);
- no deposit is asked (the old system took it, or did not);
- the intake is required like any booking's: a row carries the client's answers to this
  clinic's questionnaire as JSON in its `intake` column, screened as a booking's are
  (declined: refused; needs clearance: booked pending review). A row without answers is
  refused: no one walks on a back whose intake was never answered.
"""

import dataclasses
import datetime as dt
import json

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.models import Service
from bookings.schedules import clinic_rules
from bookings.services import (
    BookingError,
    BookingRequest,
    ClientDetails,
    SlotDecision,
    booking_write_locked,
    intake_screen,
    slot_find,
    slot_lock,
)
from clients.models import Client
from core.clock import clinic_today, clinic_tz
from imports import cells
from imports.models import Kind, SourceRecord
from imports.outcomes import CREATED, UNCHANGED, Outcome
from therapists.models import Therapist

NO_INTAKE = (
    "intake: no answers. Every booking needs the client's intake; add it to the row as "
    "JSON (docs/import.md) or book this appointment at the desk with the intake."
)


class AppointmentRows:
    kind = Kind.APPOINTMENTS

    def __init__(self, *, source: str, run, by):
        self.source, self.run, self.by = source, run, by
        self.now = timezone.now()

    def handle(self, values: dict[str, str], number: int) -> Outcome:
        source_id = cells.text(values.get("source_id", ""), "source_id", limit=100)
        if not source_id:
            raise cells.RowRefused("source_id: empty (each row needs the old system's id).")
        earlier = SourceRecord.objects.filter(
            source=self.source, kind=self.kind, source_id=source_id
        ).first()
        if earlier is not None:
            return Outcome(
                number, UNCHANGED, f"already imported as appointment {earlier.object_id}"
            )
        service = _service(cells.text(values.get("service", ""), "service"))
        therapist = _therapist(cells.text(values.get("therapist", ""), "therapist"))
        start = self._start(values)
        answers = _answers(values.get("intake", ""))
        client = self._client(values)
        try:
            booked = self._book(service, therapist, start, answers, client, source_id)
        except BookingError as error:
            which = f" ({', '.join(sorted(error.errors))})" if error.errors else ""
            raise cells.RowRefused(f"not bookable ({error.code}): {error.message}{which}") from None
        appointment = booked.appointment
        return Outcome(
            number,
            CREATED,
            f"{service.name} on {timezone.localtime(start, clinic_tz()):%a %d %b %Y %H:%M} "
            f"with {therapist.display_name}, room {appointment.room.name}, for "
            f"{appointment.client.name}: {appointment.get_status_display().lower()}",
        )

    def _start(self, values: dict[str, str]) -> dt.datetime:
        day = cells.date(values.get("date", ""), "date")
        if day is None:
            raise cells.RowRefused("date: empty.")
        at = cells.time(values.get("time", ""), "time")
        start = dt.datetime.combine(day, at, clinic_tz())
        if start <= self.now:
            raise cells.RowRefused("date: in the past (only future appointments are imported).")
        return start

    def _client(self, values: dict[str, str]) -> Client | ClientDetails:
        """The client record the appointment belongs to: the one its client's source id
        became (by this import), else a new row from the row's details, as a booking by
        phone makes. An address alone never picks a record: anyone may have typed it
        (bookings/clients.py); staff merge the rows once they checked."""
        source_client = cells.text(values.get("client_source_id", ""), "client_source_id")
        if source_client:
            record = SourceRecord.objects.filter(
                source=self.source, kind=Kind.CLIENTS, source_id=source_client
            ).first()
            client = Client.objects.filter(pk=record.object_id).first() if record else None
            if client is not None:
                return Client.objects.get(pk=client.merged_into_id or client.pk)
        return ClientDetails(
            name=cells.person_name(values.get("client_name", ""), "client_name"),
            email=cells.email(values.get("client_email", ""), "client_email"),
            phone=cells.phone(values.get("client_phone", ""), "client_phone"),
        )

    def _book(self, service, therapist, start, answers, client, source_id):
        today = clinic_today(self.now)
        result = intake_screen(
            answers=answers, on=start.astimezone(clinic_tz()).date(), today=today
        )
        rules = clinic_rules(min_notice=dt.timedelta(0))
        rules = dataclasses.replace(
            rules, horizon=max(rules.horizon, start - self.now + dt.timedelta(minutes=1))
        )
        confirmed = isinstance(client, Client) and client.is_confirmed
        with transaction.atomic():
            slot_lock(service=service, therapists=[therapist])
            room_id = slot_find(
                service=service, therapist=therapist, start=start, now=self.now, rules=rules
            )
            booked = booking_write_locked(
                BookingRequest(
                    service=service, therapist=therapist, start=start, client=client,
                    answers=answers, actor=self.by, now=self.now,
                ),
                SlotDecision(
                    therapist=therapist, room_id=room_id, result=result, awaiting_deposit=False,
                    clearance_record=client if confirmed else None,
                    history={"imported_from": self.source, "source_id": source_id},
                ),
            )  # fmt: skip
            SourceRecord.objects.create(
                source=self.source, kind=self.kind, source_id=source_id,
                object_id=booked.appointment.pk, run=self.run,
            )  # fmt: skip
        return booked


def _service(name: str) -> Service:
    found = Service.objects.filter(Q(slug__iexact=name) | Q(name__iexact=name), active=True)
    service = found.select_related("style").first()
    if service is None:
        raise cells.RowRefused(f"service: no service offered here is called {name!r}.")
    return service


def _therapist(name: str) -> Therapist:
    therapist = Therapist.objects.filter(
        Q(slug__iexact=name) | Q(display_name__iexact=name)
    ).first()
    if therapist is None:
        raise cells.RowRefused(f"therapist: no therapist here is called {name!r}.")
    if not therapist.active:
        raise cells.RowRefused(f"therapist: {therapist.display_name} is not taking bookings.")
    return therapist


def _answers(value: str) -> dict:
    if not value.strip():
        raise cells.RowRefused(NO_INTAKE)
    try:
        answers = json.loads(value)
    except ValueError:
        answers = None
    if not isinstance(answers, dict):
        raise cells.RowRefused("intake: not a JSON object of the questionnaire's answers.")
    return answers
