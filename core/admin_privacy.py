"""No admin list may be filtered, searched or ordered on health data, secrets or tokens.

Django's admin accepts a lookup on any field of the model in the query string
(`?answers__other_conditions__icontains=diabetes`, `?secret__startswith=a`): a list that
answers "1 result" or "0 results" spells out the field letter by letter, for any staff
member who may see the list, and nothing is logged. One rule closes that for every
ModelAdmin on the site, including third-party ones and ones added later: every ModelAdmin
of ours is a `core.model_admin.ClinicModelAdmin`, which carries the `SensitiveFieldsGuard`
below; `ClinicAdminSite.register` gives third-party ones the same base; and
`tests/test_admin_privacy_guard.py` enumerates the site's registry to prove it for every
model, field, role and lookup path.

- `SENSITIVE` is the one declaration of fields that no role may filter, search or order on:
  health answers and reasons, session notes, secrets, tokens, hashes, passwords. A lookup
  path is refused when any step of it (`client__appointments__intake__answers__x`) lands on
  one. The admin answers a refused lookup as it answers any disallowed one: 400 Bad Request.
- `SENSITIVE_NAME` is a pattern of field names that look sensitive. A field matching it
  that is not declared in `SENSITIVE` or `REVIEWED_NOT_SENSITIVE` is refused too (fail
  closed), and the test fails until someone classifies it: a new field cannot silently
  reopen the hole.
- `HEALTH_DERIVED` fields (the intake's outcome and pressure) may be filtered, because the
  front desk works with outcomes, but a list narrowed by one says something about the health
  of everyone on it, so it is logged as a read of those intakes: `health_list_shown` is
  sent, and bookings (which this layer may not import) logs it (`bookings.privacy`). A list
  nobody would log is refused (fail closed).
"""

import re
from collections.abc import Iterable

from django.contrib.admin.options import IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
)
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import F, Model, OrderBy
from django.db.models.constants import LOOKUP_SEP
from django.dispatch import Signal

WHOLE_MODEL = "*"

# Sent (user, intake_ids, where) when an admin list narrowed by a health-derived field was
# shown; bookings connects the access log to it.
health_list_shown = Signal()

# model label -> fields no role may filter, search or order on ("*": every field).
SENSITIVE: dict[str, set[str]] = {
    "auth.User": {"password"},
    "sessions.Session": {WHOLE_MODEL},
    "otp_totp.TOTPDevice": {"key"},
    "otp_static.StaticToken": {WHOLE_MODEL},
    # Passkeys: the credential and its public key identify the device; not filterable.
    "django_otp_webauthn.WebAuthnCredential": {
        "credential_id",
        "credential_id_sha256",
        "public_key",
    },
    "django_otp_webauthn.WebAuthnAttestation": {"data", "client_data_json"},
    "django_otp_webauthn.WebAuthnUserHandle": {"handle_hex"},
    "axes.AccessAttempt": {"get_data", "post_data"},
    "axes.AccessLog": {"session_hash"},
    "django_tasks_database.DBTaskResult": {"args_kwargs", "return_value", "traceback"},
    "therapists.Therapist": {"calendar_token_hash"},
    # A therapist's own calendar: the app password (sealed); why its server failed.
    "therapists.CalendarConnection": {"password", "last_error"},
    "therapists.HoursChange": {"note", "decision_note"},  # free text about a private life
    "health.Intake": {"answers", "reasons"},
    "bookings.Appointment": {"manage_token_hash"},
    "bookings.AppointmentEvent": {"details"},
    # Clearance on record (issue #13): who cleared, for what, with which restrictions, and
    # the letter are health data; that one exists and its dates are not.
    "health.Clearance": {
        "cleared_by_name",
        "cleared_by_role",
        "scope",
        "restrictions",
        "conditions",
        "letter_file",
        "letter_type",
        "letter_size",
        "withdrawn_reason",  # why the professional took it back: health data too
    },
    "outbox.Email": {"secret", "claim"},  # a link token; a worker's claim token
    "waitlist.WaitlistEntry": {"answers", "confirm_token_hash", "client_address"},
    "waitlist.WaitlistOffer": {"token_hash"},
    "payments.Package": {"code_hash"},
    "payments.GiftCard": {"code_hash", "message"},  # the buyer's words to the recipient
    "payments.Payment": {"note"},  # free text staff type at the desk
    "accounts.SignInLink": {"token_hash"},
    "health.ReconfirmationLink": {"token_hash"},
    # The session chart (issue #14): SOAP texts, per-region work and addenda are health data.
    "charts.ChartNote": {"subjective", "objective", "assessment", "plan", "pressure_used"},
    "charts.RegionEntry": {WHOLE_MODEL},
    "charts.Addendum": {WHOLE_MODEL},
    # Texts: what a client wrote, what was sent to them, a manage-link token sealed at rest.
    "texts.Inbound": {"body"},
    "texts.Text": {"body"},
    "texts.ShortLink": {"sealed_token"},
    # The clinic's forms: a client's answers, typed name, signature and signed PDF.
    "clinic_forms.FormResponse": {WHOLE_MODEL},
    # Chart photos: the sealed image and what it is of.
    "charts.ChartPhoto": {WHOLE_MODEL},
    # An import's refused rows: the file's own cells (names, addresses, notes).
    "imports.ImportRun": {"refused"},
    # The fuller profile: where a client lives, when they were born, whom to call, and the
    # staff's alerts (which may say something about their health or preferences).
    "clients.Client": {
        "date_of_birth",
        "address",
        "emergency_contact_name",
        "emergency_contact_phone",
        "staff_alerts",
    },
}

# Fields whose names match the pattern, or that hold free text or JSON, and that someone
# looked at and found harmless to filter on (say why when adding one).
REVIEWED_NOT_SENSITIVE: dict[str, set[str]] = {
    "admin.LogEntry": {"object_id", "change_message"},  # ids and changed field names
    "django_otp_webauthn.WebAuthnCredential": {"transports"},  # "usb", "internal", ...
    "django_tasks_database.DBTaskResult": {"task_path", "worker_ids", "exception_class_path"},
    "therapists.Therapist": {"bio"},  # public on the booking pages
    "therapists.TimeOff": {"reason"},  # staff write "holiday", "training"; searched by them
    "therapists.HoursChange": {"hours"},  # a proposed week: weekdays and times
    "bookings.Style": {"description"},  # public
    "bookings.Service": {"description"},  # public
    "bookings.ClosedDay": {"reason"},  # public holiday names
    "waitlist.WaitlistEntry": {"unanswered_offers", "language"},  # lapsed offers; en/es
    "bookings.Appointment": {"language"},  # "en" or "es": which language the e-mails use
    # ids; mail server; en/es; why moot or given up (the outbox's own words)
    "outbox.Email": {"params", "last_error", "language", "reason"},
    "charts.ChartAccess": {"where"},  # the name of the page that showed a chart
    "health.ClearanceAccess": {"where"},  # the name of the page that showed a clearance
    "bookings.ScheduleVersion": {"token", "config_token"},  # cache keys moved by writes
    "payments.CardOnFile": {"consent_text"},  # the clinic's own words the client agreed to
    "payments.Payment": {"failure_message"},  # Stripe's decline reason ("card declined")
    "checkout.Checkout": {"lines"},  # the bill's lines: service name, code, amounts
    # Twilio's error code and the clinic's own sentence for it ("Not a mobile number")
    "texts.Text": {"error_code"},
    "texts.Number": {"failed_code", "failed_reason"},
    # the clinic's own consent words shown to the client; why a number cannot be texted
    "texts.ClientTexts": {"consent_wording", "problem"},
    # A form as the manager writes it (public wording) and whether it holds health data.
    "clinic_forms.Form": {"holds_health_data", "text_en", "text_es"},
    "clinic_forms.Question": {"choices_en", "choices_es"},  # the manager's wording
    "clinic_forms.FormVersion": {"content"},  # the published questions, no answers
    # The name of the page that showed them; the response read (a row id, no content).
    "clinic_forms.FormResponseAccess": {"where", "response"},
    # SOAP templates and quick phrases: a therapist's boilerplate, not a client's data.
    "charts.SoapTemplate": {"subjective", "objective", "assessment", "plan"},
    "charts.QuickPhrase": {"text"},
    "imports.ImportRun": {"counts"},  # how many rows were created, refused, ...
    # Yes/no consents: staff list who may be sent news.
    "clients.Client": {"consent_service_messages", "consent_news"},
}

# Filterable, but a list narrowed by one of these is logged as a read of its intakes.
HEALTH_DERIVED: dict[str, set[str]] = {
    "health.Intake": {"outcome", "effective_pressure"},
}
# How to reach the intake of a row, for models whose lists may be narrowed by health.
ROW_INTAKE: dict[str, str] = {
    "health.Intake": "pk",
    "bookings.Appointment": "intake_id",
}

SENSITIVE_NAME = re.compile(
    r"answer|secret|token|hash|password|note|body|reason|detail|condition|key|"
    r"session_data|_data$|response|traceback|params|error|message",
    re.IGNORECASE,
)

# Query-string keys of the changelist itself, which are not lookups.
CHANGELIST_VARS = {
    ALL_VAR,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
    ERROR_FLAG,
    IS_POPUP_VAR,
    TO_FIELD_VAR,
    IS_FACETS_VAR,
}


def _declared(table: dict[str, set[str]], model: type[Model], name: str) -> bool:
    names = table.get(model._meta.label, set())
    return WHOLE_MODEL in names or name in names


def is_sensitive(model: type[Model], name: str) -> bool:
    """Whether no role may filter, search or order on `model.name`: declared sensitive, or
    looking sensitive and never reviewed (fail closed)."""
    if _declared(SENSITIVE, model, name):
        return True
    return bool(SENSITIVE_NAME.search(name)) and not _declared(REVIEWED_NOT_SENSITIVE, model, name)


def is_health_derived(model: type[Model], name: str) -> bool:
    return _declared(HEALTH_DERIVED, model, name)


def _steps(model: type[Model], path: str) -> Iterable[tuple[type[Model], str]]:
    """(model, field name) for each step of a lookup path through the models; what follows a
    field that is not a relation (JSON keys, transforms, lookups) is not a step."""
    for part in path.split(LOOKUP_SEP):
        if model is None:
            return
        if part == "pk":
            part = model._meta.pk.name
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return
        yield model, field.name
        model = field.related_model if field.is_relation else None


def path_is_sensitive(model: type[Model], path: str) -> bool:
    return any(is_sensitive(m, name) for m, name in _steps(model, path.lstrip("-^=@")))


def path_is_health_derived(model: type[Model], path: str) -> bool:
    return any(is_health_derived(m, name) for m, name in _steps(model, path.lstrip("-^=@")))


def _order_path(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, OrderBy):
        value = value.expression
    if isinstance(value, F):
        return value.name
    return None


class SensitiveFieldsGuard:
    """A base of every ModelAdmin of the site, through `ClinicModelAdmin` (see the module
    docstring)."""

    def lookup_allowed(self, lookup, value, request=None):
        if path_is_sensitive(self.model, lookup):
            return False  # the changelist answers DisallowedModelAdminLookup: 400
        if path_is_health_derived(self.model, lookup) and self.model._meta.label not in ROW_INTAKE:
            return False  # a health-narrowed list we could not log
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        return [
            name
            for name in super().get_search_fields(request)
            if not path_is_sensitive(self.model, name)
        ]

    def get_ordering(self, request):
        return [
            item
            for item in super().get_ordering(request) or ()
            if not path_is_sensitive(self.model, _order_path(item) or "")
        ]

    def column_ordering(self, name) -> str | None:
        """The field a list column sorts by (None: not sortable or an expression)."""
        if callable(name):
            return _order_path(getattr(name, "admin_order_field", None))
        try:
            return self.model._meta.get_field(name).name
        except FieldDoesNotExist:
            pass
        attr = getattr(self, name, None) or getattr(self.model, name, None)
        if isinstance(attr, property):
            attr = attr.fget
        return _order_path(getattr(attr, "admin_order_field", None))

    def get_sortable_by(self, request):
        return [
            name
            for name in super().get_sortable_by(request)
            if not path_is_sensitive(self.model, self.column_ordering(name) or "")
        ]

    def get_changelist(self, request, **kwargs):
        return guarded_changelist(super().get_changelist(request, **kwargs))

    def check(self, **kwargs):
        """`manage.py check` names any sensitive field an admin offers to filter, search,
        order or drill down on (the guard drops or refuses them anyway)."""
        errors = list(super().check(**kwargs))
        offered = [
            *(
                f if isinstance(f, str) else f[0]
                for f in self.list_filter
                if not isinstance(f, type)
            ),
            *self.search_fields,
            *(_order_path(o) or "" for o in self.ordering or ()),
            *([self.date_hierarchy] if self.date_hierarchy else []),
            *(self.column_ordering(name) or "" for name in self.list_display),
        ]
        errors += [
            checks.Error(
                f"{type(self).__name__} offers the sensitive field {path!r} to filter, search "
                "or order on.",
                hint="Remove it; see core/admin_privacy.py.",
                obj=type(self),
                id="clinic.E001",
            )
            for path in offered
            if path and path_is_sensitive(self.model, path)
        ]
        return errors


_changelist_classes: dict[type, type] = {}


def guarded_changelist(base: type) -> type:
    """The admin's ChangeList, which also refuses `?o=` on a sensitive column and logs
    lists narrowed by a health-derived field as reads."""
    if base not in _changelist_classes:

        class GuardedChangeList(base):
            def get_ordering_field(self, field_name):
                field = super().get_ordering_field(field_name)
                if path_is_sensitive(self.model, _order_path(field) or ""):
                    return None
                return field

            def get_results(self, request):
                super().get_results(request)
                narrowed = sorted(
                    key
                    for key in self.params
                    if key not in CHANGELIST_VARS and path_is_health_derived(self.model, key)
                )
                if narrowed:
                    if not health_list_shown.has_listeners():
                        raise ImproperlyConfigured("nothing logs health-narrowed admin lists")
                    intake_path = ROW_INTAKE[self.model._meta.label]
                    health_list_shown.send(
                        sender=self.model,
                        user=request.user,
                        intake_ids=[getattr(row, intake_path) for row in self.result_list],
                        where=f"admin list of {self.opts.verbose_name_plural} by "
                        + ", ".join(narrowed),
                    )

        GuardedChangeList.__name__ = f"Guarded{base.__name__}"
        _changelist_classes[base] = GuardedChangeList
    return _changelist_classes[base]
