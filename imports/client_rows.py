"""Clients from another system's export: one new record per source id, matched against the
records here by e-mail (case ignored) and phone number (E.164) and, when one matches,
offered to staff for merging (`MergeOffer`), never merged by the import: two people may
share a family address or a phone, and only staff who checked may join two records
(`bookings.clients.client_merge`)."""

from collections import defaultdict

from clients.models import Client
from imports import cells
from imports.models import Kind, MergeOffer, SourceRecord
from imports.outcomes import CREATED, UNCHANGED, Outcome


class ClientRows:
    kind = Kind.CLIENTS

    def __init__(self, *, source: str, run, by):
        self.source, self.run, self.by = source, run, by
        self.by_email: dict[str, list[int]] = defaultdict(list)
        self.by_phone: dict[str, list[int]] = defaultdict(list)
        live = Client.objects.filter(merged_into=None).values_list("pk", "email", "phone")
        for pk, address, number in live.order_by("pk"):
            self._remember(pk, address, cells.phone_or_none(number))

    def _remember(self, pk: int, address: str, number: str | None) -> None:
        self.by_email[address.strip().casefold()].append(pk)
        if number:
            self.by_phone[number].append(pk)

    def handle(self, values: dict[str, str], number: int) -> Outcome:
        source_id = cells.text(values.get("source_id", ""), "source_id", limit=100)
        if not source_id:
            raise cells.RowRefused("source_id: empty (each row needs the old system's id).")
        earlier = SourceRecord.objects.filter(
            source=self.source, kind=self.kind, source_id=source_id
        ).first()
        if earlier is not None:
            return Outcome(number, UNCHANGED, f"already imported as client {earlier.object_id}")
        name = values.get("name", "").strip() or " ".join(
            part.strip() for part in (values.get("first_name", ""), values.get("last_name", ""))
        )
        details = {
            "name": cells.person_name(name),
            "email": cells.email(values.get("email", "")),
            "phone": cells.phone(values.get("phone", "")),
        }
        details.update(self._profile(values))
        client = Client.objects.create(**details)
        SourceRecord.objects.create(
            source=self.source, kind=self.kind, source_id=source_id, object_id=client.pk,
            run=self.run,
        )  # fmt: skip
        offers = self._offer_merges(client)
        self._remember(client.pk, client.email, client.phone or None)
        detail = f"client {client.name} <{client.email}>"
        if offers:
            detail += f" (offered for merge: same {', '.join(offers)})"
        return Outcome(number, CREATED, detail, merge_offers=len(offers))

    def _profile(self, values: dict[str, str]) -> dict:
        """The profile fields the file carries: the date of birth, and the notes for staff,
        which become the record's staff-only alerts (clients/profile.py)."""
        return {
            "date_of_birth": cells.date(values.get("date_of_birth", ""), "date_of_birth"),
            "staff_alerts": cells.text(values.get("notes", ""), "notes", limit=1000),
        }

    def _offer_merges(self, client: Client) -> list[str]:
        matched: dict[int, list[str]] = defaultdict(list)
        for pk in self.by_email.get(client.email.strip().casefold(), []):
            matched[pk].append("e-mail")
        for pk in self.by_phone.get(client.phone, []) if client.phone else []:
            matched[pk].append("phone")
        for pk, how in matched.items():
            MergeOffer.objects.create(
                run=self.run, imported=client, existing_id=pk, matched_on=" and ".join(how)
            )
        return sorted({h for how in matched.values() for h in how}) if matched else []
