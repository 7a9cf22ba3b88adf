"""The upgrade that moved the client record and the health data out of `bookings` moves no
data: on a PostgreSQL database at the schema before it, with a row in every moved table,
migrating forward leaves every row readable through the new apps' models (encrypted fields
still open), keeps the other apps' keys pointing at them, and keeps the staff roles'
permissions; migrating back gives the old picture again."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import ErasureRequest
from bookings.models import Appointment
from bookings.roles import FRONT_DESK
from clients.models import Client, ClientMerge
from health.models import (
    Clearance,
    ClearanceAccess,
    Intake,
    IntakeAccess,
    IntakeRevision,
    ReconfirmationLink,
)
from health.screening import clear_answers
from payments.models import CardOnFile
from tests.factories import AppointmentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Today's last migrations before the split, of every app it touches (None: no migration).
BEFORE = [
    ("clients", None),
    ("health", None),
    ("bookings", "0019_encrypt_health_data_at_rest"),
    ("payments", "0003_cards_on_file_plural"),
    ("accounts", "0001_initial"),
]
AFTER = [
    ("clients", "0001_initial"),
    ("health", "0001_initial"),
    ("payments", "0004_card_client_moved_to_clients"),
    ("accounts", "0002_erasure_client_moved_to_clients"),
    ("bookings", "0020_clients_and_health_moved_out"),
]
MOVED_TABLES = [
    "bookings_client",
    "bookings_clientmerge",
    "bookings_intake",
    "bookings_intakeaccess",
    "bookings_intakerevision",
    "bookings_reconfirmationlink",
    "bookings_clearance",
    "bookings_clearanceaccess",
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1]]).apps


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
        return cursor.fetchone()[0]


def old_rows(old, appointment, user) -> dict[str, int]:
    """One row (at least) in every moved table, written through the models before the split."""
    m = old.get_model
    kept = m("bookings", "Client").objects.get(pk=appointment.client_id)
    folded = m("bookings", "Client").objects.create(
        name="Dana Whitfield", email="dana@example.com", phone="+1 212 555 0142", merged_into=kept
    )
    merge = m("bookings", "ClientMerge").objects.create(
        kept=kept, merged=folded, by_id=user.pk, appointments_moved=2
    )
    previous = m("bookings", "Intake").objects.create(
        questionnaire_version=3,
        answers=clear_answers(other_conditions="spondylolisthesis"),
        outcome="clear",
        reasons=[],
        effective_pressure="deep",
    )
    revision = m("bookings", "IntakeRevision").objects.create(
        appointment_id=appointment.pk, previous=previous, current_id=appointment.intake_id
    )
    intake_access = m("bookings", "IntakeAccess").objects.create(
        intake=previous, user_id=user.pk, where="appointment page"
    )
    link = m("bookings", "ReconfirmationLink").objects.create(
        appointment_id=appointment.pk, token_hash="a" * 64
    )
    clearance = m("bookings", "Clearance").objects.create(
        client=kept,
        cleared_by_name="Dr Quinn Marlowe",
        cleared_by_role="physiotherapist",
        cleared_on=timezone.localdate(),
        valid_until=timezone.localdate(),
        scope="light_pressure",
        restrictions="No lumbar extension",
        conditions=["disc_condition"],
        recorded_by_id=user.pk,
    )
    clearance_access = m("bookings", "ClearanceAccess").objects.create(
        clearance=clearance, user_id=user.pk, where="clearance letter"
    )
    card = m("payments", "CardOnFile").objects.create(
        client=kept,
        appointment_id=appointment.pk,
        stripe_customer="cus_1",
        stripe_payment_method="pm_1",
        consent_text="this session",
        consented_at=timezone.now(),
    )
    erasure = m("accounts", "ErasureRequest").objects.create(client=folded)
    return {
        "kept": kept.pk,
        "folded": folded.pk,
        "merge": merge.pk,
        "previous": previous.pk,
        "revision": revision.pk,
        "intake_access": intake_access.pk,
        "link": link.pk,
        "clearance": clearance.pk,
        "clearance_access": clearance_access.pk,
        "card": card.pk,
        "erasure": erasure.pk,
    }


def assert_read_back_through_the_new_models(pk: dict[str, int], appointment_pk: int) -> None:
    kept = Client.objects.get(pk=pk["kept"])
    folded = Client.objects.get(pk=pk["folded"])
    assert folded.merged_into == kept and folded.name == "Dana Whitfield"
    merge = ClientMerge.objects.get(pk=pk["merge"])
    assert (merge.kept, merge.merged, merge.appointments_moved) == (kept, folded, 2)
    appointment = Appointment.objects.get(pk=appointment_pk)
    assert appointment.client == kept and isinstance(appointment.intake, Intake)
    revision = IntakeRevision.objects.get(pk=pk["revision"])
    assert revision.previous.answers["other_conditions"] == "spondylolisthesis"  # decrypts
    assert revision.current == appointment.intake and revision.appointment == appointment
    assert IntakeAccess.objects.get(pk=pk["intake_access"]).intake_id == pk["previous"]
    assert ReconfirmationLink.objects.get(pk=pk["link"]).appointment == appointment
    clearance = Clearance.objects.get(pk=pk["clearance"])
    assert (clearance.client, clearance.cleared_by_name, clearance.restrictions) == (
        kept,
        "Dr Quinn Marlowe",
        "No lumbar extension",
    )
    assert clearance.conditions == ["disc_condition"]
    assert ClearanceAccess.objects.get(pk=pk["clearance_access"]).clearance == clearance
    assert CardOnFile.objects.get(pk=pk["card"]).client == kept
    assert ErasureRequest.objects.get(pk=pk["erasure"]).client == folded
    assert list(kept.clearances.all()) == [clearance]


def test_every_moved_row_reads_back_through_the_new_apps():
    appointment = AppointmentFactory()
    user = UserFactory()
    try:
        old = migrate(BEFORE)
        assert ContentType.objects.filter(app_label="bookings", model="client").exists()
        pk = old_rows(old, appointment, user)
        assert all(count(table) for table in MOVED_TABLES)
        before = {table: count(table) for table in MOVED_TABLES}

        new = migrate(AFTER)
        assert {table: count(table) for table in MOVED_TABLES} == before  # nothing copied
        assert new.get_model("clients", "Client")._meta.db_table == "bookings_client"
        # Today's models may have grown fields since the split (the client profile): read
        # the rows back at today's schema.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        assert_read_back_through_the_new_models(pk, appointment.pk)
        # Content types followed the models, so the roles kept their permissions.
        assert not ContentType.objects.filter(app_label="bookings", model="client").exists()
        merge_client = Permission.objects.get(codename="merge_client")
        assert merge_client.content_type.app_label == "clients"
        assert Group.objects.get(name=FRONT_DESK).permissions.filter(pk=merge_client.pk).exists()
        assert Permission.objects.get(codename="view_full_intake").content_type.app_label == (
            "health"
        )

        # Backwards: the old apps' models name the same rows again.
        old = migrate(BEFORE)
        intake = old.get_model("bookings", "Intake").objects.get(pk=pk["previous"])
        assert intake.answers["other_conditions"] == "spondylolisthesis"
        assert ContentType.objects.filter(app_label="bookings", model="clearance").exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert_read_back_through_the_new_models(pk, appointment.pk)
