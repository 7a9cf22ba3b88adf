"""No role can filter, search or order any admin list on health answers, secrets or tokens
(core/admin_privacy.py, carried by core/model_admin.py's ClinicModelAdmin).

The enumeration walks the admin site's own registry, so a ModelAdmin registered later (by
any app) is covered without touching this file; and every field that looks sensitive or
holds free text must be classified, so a new field cannot silently reopen the hole.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.models import Group
from django.db import models
from django.test import RequestFactory
from django.utils import timezone

import ashiatsu_clinic.urls  # noqa: F401 - every app's admin registered
from ashiatsu_clinic.admin_site import ClinicAdminSite
from bookings.models import Appointment
from clients.models import Client
from core import admin_privacy
from core.admin_privacy import (
    HEALTH_DERIVED,
    REVIEWED_NOT_SENSITIVE,
    SENSITIVE,
    SENSITIVE_NAME,
    WHOLE_MODEL,
    SensitiveFieldsGuard,
    is_sensitive,
    path_is_sensitive,
)
from core.encrypted_fields import EncryptedJSONField
from core.model_admin import ClinicModelAdmin
from health.models import IntakeAccess
from health.screening import clear_answers
from outbox.models import Email
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    IntakeFactory,
    ServiceFactory,
    TherapistFactory,
    UserFactory,
)
from tests.test_architecture import LAYERED
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db

MAX_DEPTH = 3  # client__appointments__intake__answers


def _staff(role: str | None, **extra):
    user = UserFactory(is_staff=True, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def roles():
    """Everyone who could hold an admin session, from the superuser down."""
    return {
        "superuser (the demo manager)": _staff(None, is_superuser=True),
        "clinic manager": _staff("Clinic manager"),
        "front desk": _staff("Front desk"),
        "therapist": TherapistFactory().user,
        "staff without role": _staff(None),
    }


def _free_text_or_json(field) -> bool:
    return isinstance(field, models.JSONField | models.TextField)


def sensitive_paths(model, depth: int = MAX_DEPTH, prefix: str = "", seen=()):
    """Every lookup path from `model` that lands on a sensitive field, through relations
    forward and backward up to `depth` steps, with a JSON key and a lookup behind it."""
    for field in model._meta.get_fields():
        path = prefix + field.name
        if is_sensitive(model, field.name):
            if isinstance(field, models.JSONField | EncryptedJSONField):
                yield f"{path}__other_conditions__icontains"
            elif field.is_relation:
                yield f"{path}__isnull"
            else:
                yield f"{path}__startswith"
            continue
        related = field.related_model if field.is_relation else None
        if related is not None and depth > 1 and related not in seen:
            yield from sensitive_paths(related, depth - 1, path + "__", (*seen, model))


def test_every_admin_on_the_site_has_the_guard():
    assert admin.site._registry
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, SensitiveFieldsGuard), model._meta.label


def test_the_site_is_the_clinic_site_and_every_admin_a_clinic_model_admin():
    """Our apps' admins declare the base; third-party ones get it as they register."""
    assert isinstance(admin.site, ClinicAdminSite) and admin.site.name == "admin"
    ours = LAYERED  # every top-level package of the project
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ClinicModelAdmin), model._meta.label
        given = "given_the_clinic_base" in type(model_admin).__dict__
        assert given == (model._meta.app_label not in ours), model._meta.label


def test_a_third_party_admin_registered_later_gets_the_clinic_base():
    class ThirdPartyAdmin(admin.ModelAdmin):
        search_fields = ["name", "appointments__intake__answers"]

    site = ClinicAdminSite(name="elsewhere")
    site.register(Client, ThirdPartyAdmin)
    model_admin = site._registry[Client]
    assert isinstance(model_admin, ClinicModelAdmin) and isinstance(model_admin, ThirdPartyAdmin)
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    assert model_admin.get_search_fields(request) == ["name"]


def test_every_field_that_looks_sensitive_or_holds_free_text_is_classified():
    """A new `referral_token`, `notes` or JSON field fails here until someone decides."""
    unclassified = []
    for model in apps.get_models():
        label = model._meta.label
        for field in model._meta.concrete_fields:
            looks = SENSITIVE_NAME.search(field.name) or _free_text_or_json(field)
            declared = {*SENSITIVE.get(label, ()), *REVIEWED_NOT_SENSITIVE.get(label, ())}
            if looks and not ({field.name, WHOLE_MODEL} & declared):
                unclassified.append(f"{label}.{field.name}")
    assert unclassified == []


def test_the_declarations_name_real_fields_and_never_both_ways():
    for table in (SENSITIVE, REVIEWED_NOT_SENSITIVE, HEALTH_DERIVED):
        for label, names in table.items():
            model = apps.get_model(label)
            for name in names - {WHOLE_MODEL}:
                model._meta.get_field(name)  # FieldDoesNotExist: a stale declaration
    for label, names in SENSITIVE.items():
        assert not names & REVIEWED_NOT_SENSITIVE.get(label, set()), label


def test_an_unclassified_field_that_looks_sensitive_is_refused_meanwhile():
    assert is_sensitive(Client, "referral_token")
    assert is_sensitive(Client, "allergy_notes")
    assert not is_sensitive(Client, "name")
    assert path_is_sensitive(Appointment, "client__appointments__intake__answers__x")
    assert path_is_sensitive(Email, "secret__startswith")
    assert not path_is_sensitive(Appointment, "client__name__icontains")


def test_no_role_can_filter_any_admin_list_on_a_sensitive_field(roles):
    """Every registered admin x every path to a sensitive field x every role: the
    changelist refuses the lookup (the admin answers it with 400) or the role may not see
    the list at all."""
    factory = RequestFactory()
    tried = set()
    for model, model_admin in admin.site._registry.items():
        paths = sorted(set(sensitive_paths(model)))
        for user in roles.values():
            request = factory.get("/")
            request.user = user
            if not model_admin.has_view_or_change_permission(request):
                continue
            for path in paths:
                request = factory.get("/", {path: "a"})
                request.user = user
                with pytest.raises(
                    (DisallowedModelAdminLookup, IncorrectLookupParameters),
                ):
                    model_admin.get_changelist_instance(request)
                tried.add((model._meta.label, path))
    # The walk reached what the hostile tester used, and the related paths.
    json_key = "answers__other_conditions__icontains"
    assert {
        ("health.Intake", json_key),
        ("bookings.Appointment", "intake__" + json_key),
        ("clients.Client", "appointments__intake__" + json_key),
        ("bookings.Appointment", "notes__isnull"),
        ("outbox.Email", "secret__startswith"),
        ("waitlist.WaitlistEntry", json_key),
        ("waitlist.WaitlistOffer", "entry__" + json_key),
        ("auth.User", "password__startswith"),
        ("otp_totp.TOTPDevice", "key__startswith"),
    } <= tried


def test_no_role_can_search_order_or_drill_down_on_a_sensitive_field(roles):
    factory = RequestFactory()
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        for user in roles.values():
            request = factory.get("/")
            request.user = user
            for name in model_admin.get_search_fields(request):
                assert not path_is_sensitive(model, name), (label, name)
            for item in model_admin.get_ordering(request):
                assert not path_is_sensitive(model, admin_privacy._order_path(item) or ""), label
            for column in model_admin.get_sortable_by(request):
                order = model_admin.column_ordering(column) or ""
                assert not path_is_sensitive(model, order), (label, column)
            for spec in model_admin.get_list_filter(request):
                if not isinstance(spec, type):
                    name = spec if isinstance(spec, str) else spec[0]
                    assert not path_is_sensitive(model, name), (label, name)
            if model_admin.date_hierarchy:
                assert not path_is_sensitive(model, model_admin.date_hierarchy)
        assert not [e for e in model_admin.check() if e.id == "clinic.E001"], label


def test_a_sensitive_column_cannot_be_sorted_with_o(roles):
    """`?o=N` picks a list column; a column ordered by a sensitive field sorts nothing."""
    for model, model_admin in admin.site._registry.items():
        request = RequestFactory().get("/")
        request.user = roles["superuser (the demo manager)"]
        changelist = model_admin.get_changelist_instance(request)
        for column in changelist.list_display:
            order = changelist.get_ordering_field(column)
            assert not path_is_sensitive(model, admin_privacy._order_path(order) or "")


def test_the_guard_drops_and_reports_a_sensitive_search_field_someone_adds():
    class CarelessAdmin(ClinicModelAdmin):
        search_fields = ["name", "appointments__intake__answers"]
        list_filter = ["appointments__notes__work_done"]

    site = admin.sites.AdminSite()
    model_admin = CarelessAdmin(Client, site)
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    assert model_admin.get_search_fields(request) == ["name"]
    errors = [e for e in model_admin.check() if e.id == "clinic.E001"]
    assert len(errors) == 2


# --- Through HTTP, as the hostile tester did -----------------------------------------------


@pytest.fixture
def diabetic():
    answers = clear_answers(other_conditions="diabetes")
    return AppointmentFactory(intake=IntakeFactory(answers=answers))


@pytest.mark.parametrize("role", ["Front desk", "Clinic manager", None])
def test_intake_answers_cannot_be_filtered_in_the_admin(client, diabetic, role):
    client.force_login(_staff(role, is_superuser=role is None))
    base = "/admin/health/intake/"
    assert client.get(base).status_code == 200
    for query in (
        "?answers__other_conditions__icontains=diabetes",
        "?answers__other_conditions__startswith=d",
        "?reasons__icontains=surgery",
        "?appointment__client__appointments__intake__answers__pregnant=true",
    ):
        response = client.get(base + query)
        assert response.status_code == 400, query
        assert b"1 intake" not in response.content


@pytest.mark.parametrize("role", ["Front desk", None])
def test_the_outbox_secret_cannot_be_filtered(client, role):
    Email.objects.create(kind="confirmed", builder="x.y", secret="tok-abcdef")
    client.force_login(_staff(role, is_superuser=role is None))
    assert client.get("/admin/outbox/email/").status_code == 200
    for query in ("?secret__startswith=t", "?secret=tok-abcdef", "?secret__gt="):
        assert client.get("/admin/outbox/email/" + query).status_code == 400, query


@pytest.mark.parametrize("role", ["Front desk", None])
def test_waitlist_answers_and_offer_tokens_cannot_be_filtered(client, role):
    today = timezone.localdate()
    WaitlistEntry.objects.create(
        service=ServiceFactory(),
        first_day=today,
        last_day=today + dt.timedelta(days=3),
        name="Wai Ting",
        email="wai@example.com",
        phone="+1 212 555 0100",
        answers=clear_answers(other_conditions="diabetes"),
    )
    client.force_login(_staff(role, is_superuser=role is None))
    for url in (
        "/admin/waitlist/waitlistentry/?answers__other_conditions__icontains=diab",
        "/admin/waitlist/waitlistoffer/?token_hash__startswith=a",
        "/admin/waitlist/waitlistoffer/?entry__answers__other_conditions__icontains=d",
    ):
        assert client.get(url).status_code == 400, url


def test_manage_token_hashes_passwords_and_notes_cannot_be_filtered(client):
    client.force_login(_staff(None, is_superuser=True))
    for url in (
        "/admin/bookings/appointment/?manage_token_hash__startswith=a",
        "/admin/bookings/appointment/export/?manage_token_hash__startswith=a",  # the CSV
        "/admin/bookings/appointment/?notes__work_done__icontains=sciatica",
        "/admin/clients/client/?appointments__intake__answers__pregnant=true",
        "/admin/therapists/therapist/?calendar_token_hash__startswith=a",
        "/admin/auth/user/?password__startswith=md5",
        "/admin/bookings/appointmentevent/?details__reason__icontains=pain",
    ):
        assert client.get(url).status_code == 400, url


def test_a_health_narrowed_list_is_logged_as_a_read_of_each_intake(client, diabetic):
    manager = _staff("Clinic manager")
    declined = AppointmentFactory(intake=IntakeFactory(outcome="declined"))
    client.force_login(manager)
    client.get("/admin/health/intake/")  # not narrowed by health: nothing to log
    assert not IntakeAccess.objects.exists()
    response = client.get("/admin/health/intake/?outcome__exact=declined")
    assert response.status_code == 200 and b"1 intake" in response.content
    (access,) = IntakeAccess.objects.all()
    assert (access.user, access.intake_id) == (manager, declined.intake_id)
    assert "outcome__exact" in access.where


def test_a_plain_search_still_works(client, diabetic):
    client.force_login(_staff("Front desk"))
    ClientFactory(name="Grace Hopper")
    response = client.get("/admin/clients/client/?q=Grace")
    assert response.status_code == 200 and b"Grace Hopper" in response.content
