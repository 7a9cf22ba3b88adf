"""Joining the waitlist, offering freed slots in order of joining, accepting an offer.

Offers are made one entry at a time, oldest entry first. Making an offer takes the same
locks as a booking (the style's rooms, then the therapist, in id order) and re-checks the
slot with the booking service's own check, so an offer never holds a time that was booked
meanwhile, and two sweeps never offer one slot twice. An entry is never offered the same
slot twice: when its offer lapses, the slot goes to the next entry.
"""

import datetime as dt
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from bookings import screening
from bookings.models import Service
from bookings.schedules import available_slots, last_bookable_day
from bookings.services import (
    INVALID_REQUEST,
    BookingError,
    BookingResult,
    ClientDetails,
    booking_create,
    intake_screen,
    slot_find,
    slot_lock,
)
from core.clock import clinic_today
from therapists.models import Therapist
from waitlist import notifications
from waitlist.holds import OfferHold
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer


class WaitlistError(BookingError):
    """A waitlist request the clinic cannot accept; `message` is written for the client."""

    # `screening` (set for a declined intake) comes from BookingError.


def waitlist_join(
    *,
    service: Service,
    therapist: Therapist | None,
    first_day: dt.date,
    last_day: dt.date,
    client: ClientDetails,
    answers: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> WaitlistEntry:
    """Put a client on the waitlist; the intake is screened exactly as for a booking, so
    someone for whom walk-on-back massage is not safe is told so now, not when a slot
    comes up. A free slot in the range is offered at once (after commit)."""
    now = now or timezone.now()
    intake_screen(answers=answers, error=WaitlistError)
    today = clinic_today(now)
    horizon = last_bookable_day(today)
    if not service.active or (therapist is not None and not therapist.active):
        raise WaitlistError(
            "This service or therapist is not taking bookings.", code=INVALID_REQUEST
        )
    if first_day < today or last_day < first_day:
        raise WaitlistError(
            "Please choose dates from today on, the last one not before the first.",
            code=INVALID_REQUEST,
        )
    if last_day > horizon:
        raise WaitlistError(
            f"We take bookings up to {settings.BOOKING_HORIZON_DAYS} days ahead: please "
            f"choose dates up to {horizon:%d %B %Y}.",
            code=INVALID_REQUEST,
        )
    with transaction.atomic():
        entry = WaitlistEntry.objects.create(
            service=service,
            therapist=therapist,
            first_day=first_day,
            last_day=last_day,
            name=client.name,
            email=client.email,
            phone=client.phone,
            answers=screening.validate_answers(answers),
        )
        notifications.queue_joined_email(entry)
        offers_make_after_commit()
    return entry


def waitlist_leave(*, entry: WaitlistEntry) -> None:
    """Take an entry off the waitlist (staff, on the client's request); its open offer is
    withdrawn and the held slot freed at once."""
    with transaction.atomic():
        WaitlistOffer.objects.filter(entry=entry, status=OfferStatus.OPEN).update(
            status=OfferStatus.WITHDRAWN
        )
        WaitlistEntry.objects.filter(
            pk=entry.pk, status__in=[EntryStatus.WAITING, EntryStatus.OFFERED]
        ).update(status=EntryStatus.LEFT)
        offers_make_after_commit()


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """Close offers past their time; their clients go back to waiting (for other slots)."""
    now = now or timezone.now()
    with transaction.atomic():
        lapsed = list(
            WaitlistOffer.objects.select_for_update(skip_locked=True).filter(
                status=OfferStatus.OPEN, expires_at__lte=now
            )
        )
        WaitlistOffer.objects.filter(pk__in=[o.pk for o in lapsed]).update(
            status=OfferStatus.EXPIRED
        )
        WaitlistEntry.objects.filter(
            pk__in=[o.entry_id for o in lapsed], status=EntryStatus.OFFERED
        ).update(status=EntryStatus.WAITING)
    return len(lapsed)


def offers_make(*, now: dt.datetime | None = None) -> int:
    """Offer each waiting client, oldest entry first, the earliest free slot that fits and
    was not offered to them before; return how many offers were made."""
    now = now or timezone.now()
    today = clinic_today(now)
    WaitlistEntry.objects.filter(status__in=[EntryStatus.WAITING], last_day__lt=today).update(
        status=EntryStatus.ENDED
    )
    waiting = WaitlistEntry.objects.filter(status=EntryStatus.WAITING).select_related(
        "service__style", "therapist"
    )
    return sum(_offer_to(entry, now=now, today=today) for entry in waiting)


def _offer_to(entry: WaitlistEntry, *, now: dt.datetime, today: dt.date) -> bool:
    first_day = max(entry.first_day, today)
    slots = available_slots(
        service=entry.service,
        therapist=entry.therapist,
        first_day=first_day,
        days=(entry.last_day - first_day).days + 1,
        now=now,
    )
    offered_before = set(entry.offers.values_list("therapist_id", "start"))
    for slot in slots:
        if (slot.therapist_id, slot.start) in offered_before:
            continue
        try:
            return _hold(entry, therapist_id=slot.therapist_id, start=slot.start, now=now)
        except (BookingError, IntegrityError):
            continue  # taken meanwhile, or another sweep got to this entry first
    return False


def _hold(entry: WaitlistEntry, *, therapist_id: int, start: dt.datetime, now: dt.datetime) -> bool:
    therapist = Therapist.objects.get(pk=therapist_id)
    with transaction.atomic():
        # The booking service's locks and check: rooms, then the therapist, then re-check.
        slot_lock(service=entry.service, therapists=[therapist])
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status != EntryStatus.WAITING:
            return False
        room_id = slot_find(service=entry.service, therapist=therapist, start=start, now=now)
        end = start + entry.service.duration
        offer = WaitlistOffer(
            entry=entry,
            therapist=therapist,
            room_id=room_id,
            start=start,
            end=end,
            occupied_until=end + dt.timedelta(minutes=therapist.buffer_minutes),
            expires_at=now + dt.timedelta(minutes=settings.WAITLIST_OFFER_HOLD_MINUTES),
        )
        token = offer.set_token()
        offer.save()
        entry.status = EntryStatus.OFFERED
        entry.save(update_fields=["status"])
        notifications.queue_offer_email(offer, token=token)
    return True


def offer_accept(*, offer: WaitlistOffer, now: dt.datetime | None = None) -> BookingResult:
    """Book the held slot for the offer's client through `booking_create`, which re-screens
    the stored intake and claims the offer in the same transaction."""
    now = now or timezone.now()
    if offer.status != OfferStatus.OPEN or offer.expires_at <= now:
        raise WaitlistError(
            "This offer is no longer open. If it lapsed, you are still on the waitlist and we "
            "will write again when another time frees up.",
            code="offer_closed",
        )
    entry = offer.entry
    return booking_create(
        service=entry.service,
        therapist=offer.therapist,
        start=offer.start,
        client=ClientDetails(name=entry.name, email=entry.email, phone=entry.phone),
        answers=entry.answers,
        now=now,
        hold=OfferHold(offer),
    )


@task
def offers_make_task() -> int:
    """Offer freed slots now, in the worker (enqueued after a booking change commits)."""
    return offers_make()


def offers_make_after_commit() -> None:
    """Once the surrounding transaction commits, look for slots to offer (robust: a failure
    to enqueue is logged; the periodic sweep looks anyway)."""
    transaction.on_commit(partial(offers_make_task.enqueue), robust=True)
