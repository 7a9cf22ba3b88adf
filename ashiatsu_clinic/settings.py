"""Settings for the Ashiatsu Clinic, read from the environment in this one file.

Every value that differs between a laptop and production comes from an environment
variable (or a `.env` file beside `manage.py`). A bad value raises `ImproperlyConfigured`
with one sentence saying what is wrong; `ashiatsu_clinic.startup` turns that into a clean
exit instead of a traceback.
"""

import datetime as dt
import warnings
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.contrib.messages import constants as message_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from core import field_keys

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


DEBUG = _bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string "
            "(or DEBUG=true for local development only)."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only

# Health data at rest (core/encrypted_fields.py, docs/encryption.md): comma-separated
# base64url 32-byte keys, newest first; the first encrypts, all decrypt. Separate from
# SECRET_KEY. Without it the clinic refuses to start, except under DEBUG (`make run`), which
# uses a published demo key that the system check refuses outside DEBUG.
FIELD_ENCRYPTION_DEMO_KEY = "ZGVtby1vbmx5LWZpZWxkLWtleS1ub3QtYS1zZWNyZXQ="  # noqa: S105
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set. Set it to a key made with "
            "`manage.py rotate_field_keys --new-key` (or DEBUG=true for local development only)."
        )
    FIELD_ENCRYPTION_KEYS = [FIELD_ENCRYPTION_DEMO_KEY]
field_keys.parse_keys(FIELD_ENCRYPTION_KEYS)  # a malformed key stops start-up, named

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])

CLINIC_TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="America/New_York")
try:
    ZoneInfo(CLINIC_TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as error:
    raise ImproperlyConfigured(
        f"CLINIC_TIME_ZONE {CLINIC_TIME_ZONE!r} is not a known time zone "
        "(use an IANA name such as America/New_York)."
    ) from error

INSTALLED_APPS = [
    "ashiatsu_clinic.admin_config.ClinicAdminConfig",  # django.contrib.admin, the clinic's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "ninja",
    # Before django_tasks_db: its `db_worker` command is ours (reconnects, sweeps).
    "ashiatsu_clinic",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "policy",  # the clinic settings a manager changes (policy/models.py)
    "therapists",
    "clients",  # the client record and merges
    "health",  # intakes, screening, clearances, and who may read them
    "bookings",
    "outbox",
    "waitlist",
    "payments",
    "checkout",
    "charts",
    "clinic_forms",
    "portal",
    "caldav_sync",
    "reports",
    "accounts",
    "twofactor",
    "staff",  # the staff admin over bookings, clients and health records
    "dbbackup",
    "backups",  # one encrypted archive of the database and the private folders
    "desk_calendar",  # the front desk's calendar (/staff/calendar/)
    "texts",  # text messages through Twilio (docs/texts.md)
    "imports",  # the import from the clinic's old system (docs/import.md)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A view failing because the database is away answers 503 with Retry-After.
    "core.outage.DatabaseOutageMiddleware",
    # No view sees a NUL in its address (the database refuses it): 400 here, once.
    "ashiatsu_clinic.nul_guard.refuse_nul_in_address",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a body: an upload over its limit is refused unread (core/uploads).
    "core.uploads.BoundedUploadMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common: picks the client's language (the switcher's cookie,
    # else Accept-Language, else English) for pages and for the booking it records.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and django-otp: a login that has not passed its second factor opens only
    # the enrol / verify step (twofactor/policy.py).
    "twofactor.middleware.SecondFactorMiddleware",
    "accounts.session.SignedInClientMiddleware",
    # A request looks services and therapists up in one schedule catalog (one token read).
    "bookings.schedule_catalog.OneCatalogPerRequest",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Answers django-ratelimit's `Ratelimited` with settings.RATELIMIT_VIEW (a 429).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ashiatsu_clinic.urls"
WSGI_APPLICATION = "ashiatsu_clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ashiatsu_clinic.context_processors.clinic",
                "bookings.wording.booking_rules",
            ],
        },
    },
]


# Database. SQLite is the embedded default for `make run`; PostgreSQL is production and
# the test suite. On SQLite every write transaction starts IMMEDIATE, so two bookings can
# never interleave their check and their insert (the exclusion constraints that guard
# PostgreSQL do not exist there).
def _database(url: str) -> dict:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # environ only warns about an unknown scheme
            config = environ.Env.db_url_config(url)
    except Exception as error:  # environ raises several types for a bad URL
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL we understand ({error}). "
            "Use postgres://user:password@host:port/name or sqlite:////absolute/path.sqlite3."
        ) from error
    engine = config.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # A file, not memory, so that threads in the concurrency tests share one database.
        config["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    elif engine.endswith("postgresql"):
        # Persistent connections (make serve: 60 s) are checked before each request reuses
        # them, so the first request after a database restart gets a fresh connection; a
        # server that does not answer fails the request within the connect timeout.
        config.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
        config.setdefault("CONN_HEALTH_CHECKS", True)
        config.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
        )
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL must point at PostgreSQL or SQLite, not {engine or url!r}."
        )
    return config


DATABASES = {
    "default": _database(env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Therapists sign in to their portal; staff use the admin's own login page.
LOGIN_URL = "therapists:login"
# Bootstrap names the error colour "danger".
MESSAGE_TAGS = {message_constants.ERROR: "danger"}
LOGIN_REDIRECT_URL = "therapists:today"

LANGUAGE_CODE = "en-us"
USE_I18N = True
# Client pages, the intake and client e-mails exist in English and Spanish; staff pages
# (admin, therapist portal) are written in English only.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own overrides of Django's per-language formats (12-hour clock for en and es).
FORMAT_MODULE_PATH = ["ashiatsu_clinic.formats"]
USE_TZ = True
# Stored in UTC; shown and scheduled in the clinic's zone.
TIME_ZONE = CLINIC_TIME_ZONE

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic puts the files whitenoise serves (a release step may build them elsewhere).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------
# HTTPS-only cookies, HSTS and the redirect are on whenever DEBUG is off; each can be turned
# off for a local production-like run (the load test serves plain HTTP on 127.0.0.1).
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = _bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if _bool("BEHIND_HTTPS_PROXY", default=False):
    # Only behind a proxy that sets this header itself (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Staff and therapists see health data: a session ends after 30 idle minutes.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
# A booking's draft (health answers) waits in the session: sealed with the field keys.
SESSION_SERIALIZER = "core.session_serializer.EncryptedJSONSerializer"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Two-factor sign-in for every clinic login (therapists, front desk, managers): see
# twofactor/policy.py and docs/two-factor.md. ADMIN_REQUIRE_2FA is the old name (it covered
# the admin only); it is still read when the new one is not set.
if "STAFF_REQUIRE_2FA" not in env and "ADMIN_REQUIRE_2FA" in env:
    warnings.warn(
        "ADMIN_REQUIRE_2FA is deprecated: set STAFF_REQUIRE_2FA (it now covers the portal too).",
        FutureWarning,  # shown by default: operators, not developers, must see it
        stacklevel=1,
    )
    STAFF_REQUIRE_2FA = _bool("ADMIN_REQUIRE_2FA", default=not DEBUG)
else:
    STAFF_REQUIRE_2FA = _bool("STAFF_REQUIRE_2FA", default=not DEBUG)
# The device admin pages never show a TOTP key.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Content Security Policy (Django's own middleware): nothing inline, nothing from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Login protection (django-axes): after 5 failures for one username from one address, a
# 15-minute cool-off; never a permanent lock-out that would need staff to unlock.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Rate limits on booking and manage-link endpoints (django-ratelimit) count in a cache all
# app servers share: the database cache table by default (`createcachetable`), or
# CACHE_URL (e.g. redis://...) in production.
CACHES = {
    "default": env.cache_url("CACHE_URL", default="dbcache://clinic_cache"),
    # Free-time answers (bookings/schedule_cache.py) in each process's memory: their keys
    # hold the schedule version, so no process can serve another's stale answer, and a
    # miss costs no round trip to a shared cache (on a busy day most questions are misses).
    "availability": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "availability",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
RATELIMIT_ENABLE = _bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "ashiatsu_clinic.rate_limited.too_many_requests"
# Per client address: booking attempts (POSTs) and manage-link views.
BOOKING_RATE = env.str("BOOKING_RATE", default="20/m")
MANAGE_LINK_RATE = env.str("MANAGE_LINK_RATE", default="30/m")
# Free-time answers (the API, the slot page, a taken slot's alternatives), cached under the
# schedule version (bookings/schedule_cache.py, CACHES["availability"]); 0 turns it off. Keys change every
# minute, so a minute or two is all an entry can be useful for.
AVAILABILITY_CACHE_SECONDS = env.int("AVAILABILITY_CACHE_SECONDS", default=90)
# The slowly changing half of availability (team, hours, credentials, time off, rooms,
# closed days) is kept in each process's memory under the schedule's config token
# (bookings/schedule_catalog.py); false reads it from the database for every answer.
SCHEDULE_CATALOG_IN_MEMORY = env.bool("SCHEDULE_CATALOG_IN_MEMORY", default=True)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"


# EMAIL_TIMEOUT (environment): seconds one SMTP connection may wait for the mail server
# before the try counts as failed and is retried later (mail runs on its own worker queue,
# so a slow server only delays mail). Django 6.1 refuses an EMAIL_TIMEOUT setting beside
# MAILERS, so it goes into the mailer's options under this name.
SMTP_TIMEOUT_SECONDS = env.float("EMAIL_TIMEOUT", default=10)


# E-mail through Django 6.1's MAILERS. EMAIL_URL picks the transport
# (smtp://user:pass@host:587, smtp+ssl://..., consolemail://, memorymail://).
def _mailer(url: str) -> dict:
    try:
        config = environ.Env.email_url_config(url)
    except Exception as error:
        raise ImproperlyConfigured(
            f"EMAIL_URL is not an e-mail URL we understand ({error}). "
            "Use smtp://user:password@host:587 or consolemail://."
        ) from error
    backend = config["EMAIL_BACKEND"]
    options: dict = {}
    if backend.endswith("smtp.EmailBackend"):
        options = {
            "host": config["EMAIL_HOST"],
            "port": config["EMAIL_PORT"] or 25,
            "username": config["EMAIL_HOST_USER"] or "",
            "password": config["EMAIL_HOST_PASSWORD"] or "",
            "use_tls": config.get("EMAIL_USE_TLS", False),
            "use_ssl": config.get("EMAIL_USE_SSL", False),
            "timeout": SMTP_TIMEOUT_SECONDS,
        }
    elif backend.endswith("filebased.EmailBackend"):
        options = {"file_path": config["EMAIL_FILE_PATH"]}
    return {"BACKEND": backend, "OPTIONS": options}


def _email_url() -> str:
    """Production must say where mail goes: the console backend would print every e-mail,
    manage links included, into the server's logs (and `check --deploy` refuses it)."""
    url = env.str("EMAIL_URL", default="")
    if url:
        return url
    if not DEBUG:
        raise ImproperlyConfigured(
            "EMAIL_URL is not set: e-mail (with clients' manage links) would only be written "
            "to the log. Set EMAIL_URL=smtp://user:password@host:587 "
            "(or DEBUG=true for local development only)."
        )
    return "consolemail://"


MAILERS = {"default": _mailer(_email_url())}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ashiatsu Clinic <clinic@example.com>")
CLINIC_NAME = env.str("CLINIC_NAME", default="Ashiatsu Clinic")
CLINIC_PHONE = env.str("CLINIC_PHONE", default="+1 212 555 0142")
CLINIC_EMAIL = env.str("CLINIC_EMAIL", default="clinic@example.com")
CLINIC_ADDRESS = env.str("CLINIC_ADDRESS", default="12 Willow Street, Brooklyn, NY 11201")
# Absolute links in e-mails (manage my booking) start with this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Authenticator apps name the account after the clinic.
OTP_TOTP_ISSUER = CLINIC_NAME
# Passkeys (django-otp-webauthn) are bound to the site's host name. Browsers allow them on
# https:// or on http://localhost only, so a local SITE_URL on 127.0.0.1 means localhost.
_site = urlsplit(SITE_URL)
_site_host = "localhost" if _site.hostname in ("127.0.0.1", None) else _site.hostname
OTP_WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default=_site_host)
OTP_WEBAUTHN_RP_NAME = CLINIC_NAME
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ALLOWED_ORIGINS",
    default=[f"{_site.scheme}://{_site_host}" + (f":{_site.port}" if _site.port else "")],
)
# A passkey is a second factor after the password, never a sign-in on its own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# Scheduling rules (SPEC "Scheduling rules"); therapists carry their own cap and buffer.
BOOKING_SLOT_GRID_MINUTES = env.int("BOOKING_SLOT_GRID_MINUTES", default=15)
BOOKING_MIN_NOTICE_MINUTES = env.int("BOOKING_MIN_NOTICE_MINUTES", default=120)
BOOKING_HORIZON_DAYS = env.int("BOOKING_HORIZON_DAYS", default=60)
BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = env.int("BOOKING_CLIENT_CHANGE_CUTOFF_HOURS", default=24)
# Test-only switch, deliberately not read from the environment: the negative-control test in
# tests/bookings/test_concurrency.py turns the booking row locks off to prove the race tests
# fail without them. Production always locks.
BOOKING_ROW_LOCKS = True


def _style_weights(raw: str) -> dict[str, int]:
    """`bar=125,floor=100`: how much a minute of each style counts against the weekly load
    budget, in percent (`bookings.workload`)."""
    weights = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        slug, _, value = part.partition("=")
        if not slug.strip() or not value.strip().isdigit() or not 1 <= int(value) <= 400:
            raise ImproperlyConfigured(
                f"LOAD_STYLE_WEIGHTS must look like bar=125,floor=100 (percent, 1-400), "
                f"not {raw!r}."
            )
        weights[slug.strip()] = int(value)
    return weights


# Weekly load budget (issue 17): each style's weight in percent; budgets are per therapist.
LOAD_STYLE_WEIGHTS = _style_weights(env.str("LOAD_STYLE_WEIGHTS", default="bar=100,floor=100"))

# Background work (e-mail, reminders, waitlist offers) through Django's tasks framework,
# stored in the database and run by `manage.py db_worker` (django-tasks-db). Tests default
# to the immediate backend; the worker tests run the database backend for real.
# Mail has its own queue ("mail", one `db_worker --queue-name mail`), so a hanging mail
# server never delays deposit refunds, waitlist offers or re-confirmations ("default").
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "mail"],
    }
}
# A task row left RUNNING this long by a worker that died (SIGKILL, power loss) is marked
# failed and queued again (ashiatsu_clinic/task_leases.py, run by the sweep). Longer than
# any task takes: the longest is one e-mail, bounded by the SMTP timeout.
TASKS_LEASE_SECONDS = env.int("TASKS_LEASE_SECONDS", default=600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Health answers are kept this many years after the session (`manage.py purge_intakes`).
INTAKE_RETENTION_YEARS = env.int("INTAKE_RETENTION_YEARS", default=7)

# Clearance letters (issue 13): kept sealed in this private folder, outside static and media,
# served only through health.clearances' view; at most this many bytes (5 MB); a clearance
# without an end date of its own is valid this many months.
CLEARANCE_LETTERS_ROOT = Path(
    env.str("CLEARANCE_LETTERS_ROOT", default=str(VAR_DIR / "clearance-letters"))
)
CLEARANCE_LETTER_MAX_BYTES = env.int("CLEARANCE_LETTER_MAX_BYTES", default=5 * 1024 * 1024)
CLEARANCE_VALID_MONTHS = env.int("CLEARANCE_VALID_MONTHS", default=12)
# A therapist reads a client's clearances and earlier sessions through a confirmed session,
# or one completed no longer ago than this (bookings.privacy.treating_sessions).
TREATING_WINDOW_DAYS = env.int("TREATING_WINDOW_DAYS", default=365)

# Request bodies are bounded before they are read (core/uploads.py): form fields and JSON
# at most 2.5 MB; an uploaded file at most the largest any form takes (a clearance letter),
# kept in memory up to 2.5 MB and streamed to a temporary file above.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_BYTES = CLEARANCE_LETTER_MAX_BYTES
FILE_UPLOAD_HANDLERS = [
    "core.uploads.BoundedFileUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# E-mail outbox, reminders, waitlist. Periodic work: `db_worker --sweep-every`.
# Reminder e-mail this many hours before a session.
REMINDER_LEAD_HOURS = env.int("REMINDER_LEAD_HOURS", default=24)
# Issue #13: the "has anything changed?" e-mail goes this many days before a session
# (sessions booked later than that get none: their intake was just answered); a returning
# client re-answers the whole questionnaire when their last intake is older than this many
# days (or of an older questionnaire version).
RECONFIRM_DAYS_BEFORE = env.int("RECONFIRM_DAYS_BEFORE", default=2)
INTAKE_REANSWER_DAYS = env.int("INTAKE_REANSWER_DAYS", default=365)
# A failed e-mail is retried with exponential backoff and jitter: about BASE seconds after
# the first failure, doubling up to MAX, for at most ATTEMPTS tries (the defaults span about
# ten hours); then it is a dead letter, staff are alerted and can send it again (docs/outbox.md).
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=60)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=2 * 60 * 60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
# How long a worker's claim on an e-mail it is sending lasts before another may take it
# over; well above the SMTP timeout, so a slow but live send is never doubled.
OUTBOX_CLAIM_SECONDS = env.float("OUTBOX_CLAIM_SECONDS", default=max(120, 6 * SMTP_TIMEOUT_SECONDS))
# The sweep hands the mail worker any e-mail due for this long with no delivery task queued.
OUTBOX_STRANDED_SECONDS = env.float("OUTBOX_STRANDED_SECONDS", default=60)
# At most one dead-letter alert e-mail to the desk and managers per this many minutes.
OUTBOX_ALERT_EVERY_MINUTES = env.int("OUTBOX_ALERT_EVERY_MINUTES", default=60)
# A waitlist offer holds its slot for the client this long before it goes to the next one.
WAITLIST_OFFER_HOLD_MINUTES = env.int("WAITLIST_OFFER_HOLD_MINUTES", default=30)
# Waitlist abuse (issue 11): joins per client address (shared cache, like bookings); open
# entries per e-mail address and per client address; an entry gets no offer until its
# address is confirmed through the e-mailed link, which works this many hours; an entry is
# taken off after this many offers it let lapse without an answer.
WAITLIST_JOIN_RATE = env.str("WAITLIST_JOIN_RATE", default="5/m")

# Client sign-in links (accounts app): requests per client address, how long a link works,
# and how many unused links one address may hold at once (more requests send nothing).
SIGN_IN_LINK_RATE = env.str("SIGN_IN_LINK_RATE", default="5/m")
SIGN_IN_LINK_MINUTES = env.int("SIGN_IN_LINK_MINUTES", default=15)
SIGN_IN_LINKS_OPEN_MAX = env.int("SIGN_IN_LINKS_OPEN_MAX", default=3)
WAITLIST_MAX_OPEN_PER_EMAIL = env.int("WAITLIST_MAX_OPEN_PER_EMAIL", default=3)
WAITLIST_MAX_OPEN_PER_ADDRESS = env.int("WAITLIST_MAX_OPEN_PER_ADDRESS", default=5)
WAITLIST_CONFIRM_HOURS = env.int("WAITLIST_CONFIRM_HOURS", default=24)
WAITLIST_MAX_UNANSWERED_OFFERS = env.int("WAITLIST_MAX_UNANSWERED_OFFERS", default=2)
# The weekly e-mail to clinic managers about expiring credentials: weekday (0 = Monday) and
# local hour from which it goes out; credentials expiring within this many days.
MANAGER_DIGEST_WEEKDAY = env.int("MANAGER_DIGEST_WEEKDAY", default=0)
MANAGER_DIGEST_HOUR = env.int("MANAGER_DIGEST_HOUR", default=7)
MANAGER_DIGEST_EXPIRING_DAYS = 30

# --- Backups (backups app, django-dbbackup; docs/backups.md) --------------------------------
# `manage.py backup` writes one GPG-encrypted archive of the database and these folders;
# every folder holding files the clinic cannot lose (sealed letters and the like) is listed.
PRIVATE_FOLDERS = {"clearance-letters": CLEARANCE_LETTERS_ROOT}
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
STORAGES["dbbackup"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(BACKUP_DIR)},
}
# The public key's fingerprint or e-mail (imported into this server's GPG keyring); backups
# refuse to run without it. Restores need the private key, kept away from the server.
DBBACKUP_GPG_RECIPIENT = env.str("BACKUP_GPG_RECIPIENT", default="") or None
DBBACKUP_GPG_ALWAYS_TRUST = True
DBBACKUP_SEND_EMAIL = False

# The feature apps' own settings: payments, checkout, online sales, therapists' calendars, texts.
from ashiatsu_clinic.feature_settings import *  # noqa: E402, F403

# Feature apps' private folders of sealed files (feature_settings) go into the backups too.
PRIVATE_FOLDERS.update(FEATURE_PRIVATE_FOLDERS)  # noqa: F405
