"""Joining the waitlist, confirming the address, offering freed slots in line, accepting
or declining an offer.

Joining is capped (open entries per e-mail address and per client address; the join page
is also rate-limited in `core.rate_limits`) and sends exactly one e-mail, the confirmation
link. Only confirmed entries get offers, so made-up addresses can neither hold the calendar
nor make the clinic mail strangers; unconfirmed entries lapse after
`WAITLIST_CONFIRM_HOURS`.

Offers are made one entry at a time, in line order (`queued_at`: when the address was
confirmed). An expired or declined offer sends its entry to the back of the line, so the
slot passes to the next entry instead of the same person getting the next quarter hour; an
entry is never offered the same slot twice, and after `WAITLIST_MAX_UNANSWERED_OFFERS`
offers it let lapse it is taken off the waitlist, so offers never cycle through one person.
A person (one e-mail address, across all their entries) holds at most one open offer.

Making an offer takes the same locks as a booking (the style's rooms, then the therapist,
in id order), then the person's entries, and re-checks the slot with the booking service's
own check, so an offer never holds a time that was booked meanwhile, two sweeps never offer
one slot twice, and a person never gets two offers at once.
"""

import datetime as dt
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from bookings.models import Service
from bookings.schedules import available_slots, last_bookable_day
from bookings.services import (
    BOOKABLE_LATER,
    INVALID_REQUEST,
    BookingError,
    BookingResult,
    ClientDetails,
    booking_create,
    intake_screen,
    slot_find,
    slot_lock,
)
from clients.models import Client
from core.clock import clinic_today
from core.languages import client_language
from health import questionnaires, screening
from therapists.models import Therapist
from waitlist import notifications
from waitlist.holds import OfferHold
from waitlist.models import (
    OPEN_ENTRY_STATUSES,
    EntryStatus,
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
)

TOO_MANY = "too_many"
LINK_WRONG = "link_wrong"
LINK_USED = "link_used"
LINK_EXPIRED = "link_expired"


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
    client_address: str | None = None,
    language: str = "",
    now: dt.datetime | None = None,
) -> WaitlistEntry:
    """Put a client on the waitlist, pending confirmation of the e-mail address; the intake
    is screened exactly as for a booking, so someone for whom walk-on-back massage is not
    safe is told so now, not when a slot comes up. One e-mail goes out, with the link that
    confirms the address; offers start once it is opened and confirmed.

    `client_address` is where the request came from (`core.rate_limits.client_address`):
    with the e-mail address it caps how many open entries one sender can keep."""
    now = now or timezone.now()
    today = clinic_today(now)
    _screen_for_dates(answers, first_day=first_day, today=today)
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
        _refuse_over_cap(email=client.email, client_address=client_address, now=now)
        entry = WaitlistEntry(
            service=service,
            therapist=therapist,
            first_day=first_day,
            last_day=last_day,
            name=client.name,
            email=client.email,
            phone=client.phone,
            answers=screening.validate_answers(answers, today=today),
            questionnaire_version=questionnaires.QUESTIONNAIRE_VERSION,
            status=EntryStatus.PENDING,
            client_address=client_address,
            language=client_language(language),
        )
        token = entry.set_confirm_token()
        entry.save()
        notifications.queue_joined_email(entry, token=token)
    return entry


def _screen_for_dates(answers: Mapping[str, Any], *, first_day: dt.date, today: dt.date) -> None:
    """Screen as a booking on the first day asked for would. A dated answer (a recent
    surgery) that rules that day out asks for dates from its bookable-from day on, so no
    offer is ever made for a time the client could not book."""
    try:
        intake_screen(answers=answers, on=first_day, error=WaitlistError, today=today)
    except WaitlistError as error:
        if error.code != BOOKABLE_LATER or error.screening is None:
            raise
        day = error.screening.bookable_from
        raise WaitlistError(
            f"{error.message} Please choose dates from {day:%d %B %Y} on.",
            code=INVALID_REQUEST,
        ) from error


def _open_entries(*, now: dt.datetime):
    """Entries that still count against the caps: waiting, offered, or pending within the
    confirmation window (a lapsed unconfirmed entry no longer counts, even before the sweep
    marks it)."""
    window = dt.timedelta(hours=settings.WAITLIST_CONFIRM_HOURS)
    return WaitlistEntry.objects.filter(status__in=OPEN_ENTRY_STATUSES).exclude(
        status=EntryStatus.PENDING, joined_at__lte=now - window
    )


def _refuse_over_cap(*, email: str, client_address: str | None, now: dt.datetime) -> None:
    """Caps on open entries, checked before anything is written or mailed. The address
    case is ignored (Ada@… and ada@… are one person); the rate limit on the join page
    bounds how far simultaneous joins could overshoot."""
    open_entries = _open_entries(now=now)
    if open_entries.filter(email__iexact=email).count() >= settings.WAITLIST_MAX_OPEN_PER_EMAIL:
        raise WaitlistError(
            f"This e-mail address already has {settings.WAITLIST_MAX_OPEN_PER_EMAIL} open "
            "places on the waitlist, the most we keep for one person; we have not sent "
            "another e-mail. Please wait for an offer, or call us to change what you wait for.",
            code=TOO_MANY,
        )
    if (
        client_address
        and open_entries.filter(client_address=client_address).count()
        >= settings.WAITLIST_MAX_OPEN_PER_ADDRESS
    ):
        raise WaitlistError(
            "We already have many waitlist places from your connection, so we cannot add "
            "another online; we have not sent an e-mail. Please call us to join.",
            code=TOO_MANY,
        )


def confirm_check(*, pk: int, token: str, now: dt.datetime | None = None) -> WaitlistEntry:
    """The entry a confirmation link points to, if the link can still confirm it; else a
    WaitlistError saying plainly why (wrong, already used, expired)."""
    now = now or timezone.now()
    entry = WaitlistEntry.objects.select_related("service", "therapist").filter(pk=pk).first()
    return _confirmable(entry, token=token, now=now)


def _confirmable(entry: WaitlistEntry | None, *, token: str, now: dt.datetime) -> WaitlistEntry:
    if entry is None or not entry.confirm_token_matches(token):
        raise WaitlistError(
            "We do not know this link. Please open the link from the e-mail exactly as we sent it.",
            code=LINK_WRONG,
        )
    if entry.confirmed_at is not None:
        raise WaitlistError(
            "Your e-mail address is already confirmed, and your place on the waitlist stays "
            "as it is: there is nothing more to do.",
            code=LINK_USED,
        )
    window = dt.timedelta(hours=settings.WAITLIST_CONFIRM_HOURS)
    if entry.status != EntryStatus.PENDING or entry.joined_at + window <= now:
        raise WaitlistError(
            f"Confirmation links work once, for {settings.WAITLIST_CONFIRM_HOURS} hours, and "
            "this one ran out (or the request was removed). You are not on the waitlist: "
            "please join again.",
            code=LINK_EXPIRED,
        )
    return entry


def waitlist_confirm(*, pk: int, token: str, now: dt.datetime | None = None) -> WaitlistEntry:
    """The client opened the e-mailed link and confirmed: the entry joins the line (at the
    back, as of now) and free slots are looked for after commit. A link confirms once."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = _confirmable(
            WaitlistEntry.objects.select_for_update().filter(pk=pk).first(), token=token, now=now
        )
        entry.status = EntryStatus.WAITING
        entry.confirmed_at = entry.queued_at = now
        entry.save(update_fields=["status", "confirmed_at", "queued_at"])
        offers_make_after_commit()
    return entry


def waitlist_refuse(*, pk: int, token: str, now: dt.datetime | None = None) -> WaitlistEntry:
    """ "I did not ask for this": whoever got the confirmation e-mail removes the entry, and
    the clinic writes to the address no more about it."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = _confirmable(
            WaitlistEntry.objects.select_for_update().filter(pk=pk).first(), token=token, now=now
        )
        entry.status = EntryStatus.LEFT
        entry.save(update_fields=["status"])
    return entry


def waitlist_leave(*, entry: WaitlistEntry) -> None:
    """Take an entry off the waitlist (staff, on the client's request); its open offer is
    withdrawn and the held slot freed at once."""
    with transaction.atomic():
        WaitlistOffer.objects.filter(entry=entry, status=OfferStatus.OPEN).update(
            status=OfferStatus.WITHDRAWN
        )
        WaitlistEntry.objects.filter(pk=entry.pk, status__in=OPEN_ENTRY_STATUSES).update(
            status=EntryStatus.LEFT
        )
        offers_make_after_commit()


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """Close offers past their time. Their clients go to the back of the line (the slot
    passes to the next entry) and the lapse is counted: after
    `WAITLIST_MAX_UNANSWERED_OFFERS` unanswered offers an entry is taken off the waitlist."""
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
        entries = WaitlistEntry.objects.filter(
            pk__in=[o.entry_id for o in lapsed], status=EntryStatus.OFFERED
        )
        entries.update(
            status=EntryStatus.WAITING, queued_at=now, unanswered_offers=F("unanswered_offers") + 1
        )
        WaitlistEntry.objects.filter(
            pk__in=[o.entry_id for o in lapsed],
            status=EntryStatus.WAITING,
            unanswered_offers__gte=settings.WAITLIST_MAX_UNANSWERED_OFFERS,
        ).update(status=EntryStatus.UNANSWERED)
    return len(lapsed)


def offer_decline(*, offer: WaitlistOffer, now: dt.datetime | None = None) -> None:
    """ "Not this time": the slot is freed at once for the next entry in line, and the
    client goes to the back of the line, still waiting (never offered this slot again)."""
    now = now or timezone.now()
    with transaction.atomic():
        declined = WaitlistOffer.objects.filter(
            pk=offer.pk, status=OfferStatus.OPEN, expires_at__gt=now
        ).update(status=OfferStatus.DECLINED)
        if not declined:
            raise WaitlistError(
                "This offer is no longer open, so there was nothing to decline.",
                code="offer_closed",
            )
        WaitlistEntry.objects.filter(pk=offer.entry_id, status=EntryStatus.OFFERED).update(
            status=EntryStatus.WAITING, queued_at=now
        )
        offers_make_after_commit()


def offers_make(*, now: dt.datetime | None = None) -> int:
    """Offer each confirmed waiting client, in line order, the earliest free slot that fits
    and was not offered to them before; return how many offers were made. Also ends entries
    whose dates passed and unconfirmed entries whose link lapsed."""
    now = now or timezone.now()
    today = clinic_today(now)
    WaitlistEntry.objects.filter(
        status__in=[EntryStatus.PENDING, EntryStatus.WAITING], last_day__lt=today
    ).update(status=EntryStatus.ENDED)
    WaitlistEntry.objects.filter(
        status=EntryStatus.PENDING,
        joined_at__lte=now - dt.timedelta(hours=settings.WAITLIST_CONFIRM_HOURS),
    ).update(status=EntryStatus.LAPSED)
    waiting = (
        WaitlistEntry.objects.filter(status=EntryStatus.WAITING, confirmed_at__isnull=False)
        .select_related("service__style", "therapist")
        .order_by("queued_at", "id")
    )
    return sum(_offer_to(entry, now=now, today=today) for entry in waiting)


def _offer_to(entry: WaitlistEntry, *, now: dt.datetime, today: dt.date) -> bool:
    if WaitlistOffer.objects.filter(
        entry__email__iexact=entry.email, status=OfferStatus.OPEN
    ).exists():
        return False  # this person holds an offer already (checked again under lock)
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
    service = entry.service
    with transaction.atomic():
        # The booking service's locks and check: rooms, then the therapist, then re-check.
        slot_lock(service=service, therapists=[therapist])
        # Then every entry of this person (one e-mail address), in id order, so two sweeps
        # cannot give one person two offers at once.
        same_person = list(
            WaitlistEntry.objects.select_for_update()
            .filter(email__iexact=entry.email)
            .order_by("pk")
        )
        entry = next(e for e in same_person if e.pk == entry.pk)
        if entry.status != EntryStatus.WAITING or entry.confirmed_at is None:
            return False
        if WaitlistOffer.objects.filter(entry__in=same_person, status=OfferStatus.OPEN).exists():
            return False  # at most one open offer per person
        room_id = slot_find(service=service, therapist=therapist, start=start, now=now)
        end = start + service.duration
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


def offer_accept(
    *, offer: WaitlistOffer, record: Client | None = None, now: dt.datetime | None = None
) -> BookingResult:
    """Book the held slot for the offer's client through `booking_create`, which re-screens
    the stored intake and claims the offer in the same transaction. `record`: the signed-in
    client's record, if any; the booking joins it, and a clearance on it applies, exactly
    as for a booking made from the booking pages (`clearances.session_restriction`)."""
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
        questionnaire_version=entry.questionnaire_version,
        language=entry.language,
        record=record,
    )


@task
def offers_make_task() -> int:
    """Offer freed slots now, in the worker (enqueued after a booking change commits)."""
    return offers_make()


def offers_make_after_commit() -> None:
    """Once the surrounding transaction commits, look for slots to offer (robust: a failure
    to enqueue is logged; the periodic sweep looks anyway)."""
    transaction.on_commit(partial(offers_make_task.enqueue), robust=True)
