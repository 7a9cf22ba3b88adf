"""Packages sold before they belonged to a client record: the data migration links each to
the one record with its address (whatever the case; a merged record leads to the one it
was merged into), leaves it unlinked when none or several have it, and records the price."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from payments.models import Package
from tests.factories import ClientFactory, StyleFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_integrity]

BEFORE = [("payments", "0006_online_sales")]
AFTER = [("payments", "0007_packages_to_client_records")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_packages_join_the_record_with_their_address():
    ada = ClientFactory(email="ada@example.com")
    kept = ClientFactory(email="grace@example.com")
    ClientFactory(email="GRACE@example.com", merged_into=kept)
    ClientFactory(email="twin@example.com")
    ClientFactory(email="twin@example.com")
    style = StyleFactory(slug="bar")
    try:
        old = migrate(BEFORE)
        Plan, OldPackage = (
            old.get_model("payments", "PackagePlan"),
            old.get_model("payments", "Package"),
        )
        plan = Plan.objects.create(name="Three", style_id=style.pk, sessions=3, price_cents=10000)
        for number, email in enumerate(
            ["Ada@Example.com", "grace@example.com", "twin@example.com", "nobody@example.com"]
        ):
            OldPackage.objects.create(
                plan_id=plan.pk, code_hash=f"h{number}", code_hint="ABCD", client_name="x",
                client_email=email, sessions_total=3, sessions_left=3,
            )  # fmt: skip
        migrate(AFTER)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    linked = {p.client_email: p.client_id for p in Package.objects.all()}
    assert linked == {
        "Ada@Example.com": ada.pk,
        "grace@example.com": kept.pk,
        "twin@example.com": None,
        "nobody@example.com": None,
    }
    assert set(Package.objects.values_list("price_cents", flat=True)) == {10000}
