"""Settings for the Ashiatsu Clinic, read from the environment in this one file.

Every value that differs between a laptop and production comes from an environment
variable (or a `.env` file beside `manage.py`). A bad value raises `ImproperlyConfigured`
with one sentence saying what is wrong; `ashiatsu_clinic.startup` turns that into a clean
exit instead of a traceback.
"""

import warnings
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.contrib.messages import constants as message_constants
from django.core.exceptions import ImproperlyConfigured

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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "ninja",
    "therapists",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
        config.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
        config.setdefault("CONN_HEALTH_CHECKS", True)
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
USE_TZ = True
# Stored in UTC; shown and scheduled in the clinic's zone.
TIME_ZONE = CLINIC_TIME_ZONE

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
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

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"


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
            "timeout": 10,
        }
    elif backend.endswith("filebased.EmailBackend"):
        options = {"file_path": config["EMAIL_FILE_PATH"]}
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": _mailer(env.str("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ashiatsu Clinic <clinic@example.com>")
CLINIC_NAME = env.str("CLINIC_NAME", default="Ashiatsu Clinic")
CLINIC_PHONE = env.str("CLINIC_PHONE", default="+1 212 555 0142")
CLINIC_EMAIL = env.str("CLINIC_EMAIL", default="clinic@example.com")
CLINIC_ADDRESS = env.str("CLINIC_ADDRESS", default="12 Willow Street, Brooklyn, NY 11201")
# Absolute links in e-mails (manage my booking) start with this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Scheduling rules (SPEC "Scheduling rules"); therapists carry their own cap and buffer.
BOOKING_SLOT_GRID_MINUTES = env.int("BOOKING_SLOT_GRID_MINUTES", default=15)
BOOKING_MIN_NOTICE_MINUTES = env.int("BOOKING_MIN_NOTICE_MINUTES", default=120)
BOOKING_HORIZON_DAYS = env.int("BOOKING_HORIZON_DAYS", default=60)
BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = env.int("BOOKING_CLIENT_CHANGE_CUTOFF_HOURS", default=24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
