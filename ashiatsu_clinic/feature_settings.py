"""The feature apps' settings (payments, checkout, online sales, therapists' calendars, texts),
read from the environment like the rest of `ashiatsu_clinic.settings`, which imports this
module at its end. Infrastructure and the booking rules stay there; docs/configuration.md
lists every setting.
"""

from pathlib import Path

import phonenumbers
from django.core.exceptions import ImproperlyConfigured
from environ import Env

env = Env()

# --- Payments: Stripe deposits, card on file, fees, packages, gift cards, ledger.
# With no STRIPE_SECRET_KEY the clinic runs as before: nothing is asked online, clients pay
# at the clinic, and staff record desk payments in the ledger.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Tests point this at localstripe on 127.0.0.1; production leaves the default.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
PAYMENTS_ENABLED = bool(STRIPE_SECRET_KEY)
if PAYMENTS_ENABLED and not (STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY is set, so STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET must be "
        "set too (see docs/payments.md)."
    )
PAYMENTS_CURRENCY = env.str("PAYMENTS_CURRENCY", default="usd").lower()
# An online booking that needs a deposit holds its slot this long, then the sweep frees it.
DEPOSIT_HOLD_MINUTES = env.int("DEPOSIT_HOLD_MINUTES", default=20)
# Gift-card balance look-ups per client address (django-ratelimit rate).
GIFT_CARD_BALANCE_RATE = env.str("GIFT_CARD_BALANCE_RATE", default="10/m")
# Stripe's card element (served by and talking to Stripe) is allowed by the CSP of the deposit
# page only, and only when keys are configured: see payments.views.stripe_csp.

# Checkout: a session's bill, tips, sales tax, promo codes, payroll (docs/checkout.md).
# The suggested tips (percent of the menu price) on the desk's screen and the client's tip page.
CHECKOUT_TIP_PERCENTS = tuple(env.list("CHECKOUT_TIP_PERCENTS", cast=int, default=[15, 18, 20]))
# The largest tip accepted, as a percentage of the service's menu price (a typing slip guard).
CHECKOUT_TIP_MAX_PERCENT = env.int("CHECKOUT_TIP_MAX_PERCENT", default=100)

# Therapists' own hours and calendars (docs/therapist-hours.md): how often a connected CalDAV
# calendar is read and written, how long one request may take, and whether a plain http://
# calendar address is accepted (only for a local test server: the app password would travel
# in clear).
THERAPIST_CALENDAR_SYNC_MINUTES = env.int("THERAPIST_CALENDAR_SYNC_MINUTES", default=5)
THERAPIST_CALENDAR_TIMEOUT_SECONDS = env.int("THERAPIST_CALENDAR_TIMEOUT_SECONDS", default=20)
THERAPIST_CALENDAR_ALLOW_HTTP = env.bool("THERAPIST_CALENDAR_ALLOW_HTTP", default=False)
# Online sales, how money is written (docs/online-sales.md): Babel's CLDR locale; gift cards'
# value range in cents, validity (US law: at least 5 years; 0: never expires), delivery hour
# and how far ahead; card payments on /gift-cards/buy/ and /packages/ per client address.
PAYMENTS_LOCALE = env.str("PAYMENTS_LOCALE", default="en_US")
GIFT_CARD_MIN_CENTS = env.int("GIFT_CARD_MIN_CENTS", default=1000)
GIFT_CARD_MAX_CENTS = env.int("GIFT_CARD_MAX_CENTS", default=50000)
GIFT_CARD_VALID_YEARS = env.int("GIFT_CARD_VALID_YEARS", default=5)
GIFT_CARD_DELIVERY_HOUR = env.int("GIFT_CARD_DELIVERY_HOUR", default=9)
GIFT_CARD_MAX_DELIVERY_DAYS = env.int("GIFT_CARD_MAX_DELIVERY_DAYS", default=366)
ONLINE_PURCHASE_RATE = env.str("ONLINE_PURCHASE_RATE", default="10/h")

# --- Text messages (texts app, Twilio; docs/texts.md) ---------------------------------------
# All three credentials or none: with none, texts are off and nothing else changes.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")  # +15551234567, or a Messaging Service MG...
# Tests point this at a Twilio-compatible server on 127.0.0.1.
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com").rstrip("/")
TEXTS_ENABLED = all((TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM))
if any((TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM)) and not TEXTS_ENABLED:
    raise ImproperlyConfigured(
        "Texts need all of TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or none "
        "(see docs/texts.md)."
    )
# Fills in a missing country code when a number is typed without one.
CLINIC_PHONE_REGION = env.str("CLINIC_PHONE_REGION", default="US").upper()
if CLINIC_PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"CLINIC_PHONE_REGION {CLINIC_PHONE_REGION!r} is not a region code such as US or ES."
    )
# No unprompted text (reminder, offer) in these clinic hours; they wait.
TEXTS_QUIET_FROM_HOUR = env.int("TEXTS_QUIET_FROM_HOUR", default=21)
TEXTS_QUIET_UNTIL_HOUR = env.int("TEXTS_QUIET_UNTIL_HOUR", default=8)
# Reminder lead times in hours: a service's default, and the optional second one.
TEXTS_REMINDER_HOURS = env.int("TEXTS_REMINDER_HOURS", default=24)
TEXTS_SECOND_REMINDER_HOURS = env.int("TEXTS_SECOND_REMINDER_HOURS", default=2)

# --- Clinic forms and chart photos (docs/forms.md, docs/charts.md): sealed (AES-GCM, like
# clearance letters) in private folders, which the backup archive holds too; a photo is at
# most CHARTS_PHOTO_MAX_BYTES (and never over FILE_UPLOAD_MAX_BYTES, charts/photos.py).
_VAR_DIR = Path(__file__).resolve().parent.parent / "var"
CLINIC_FORMS_ROOT = Path(env.str("CLINIC_FORMS_ROOT", default=str(_VAR_DIR / "signed-forms")))
CHARTS_PHOTOS_ROOT = Path(env.str("CHARTS_PHOTOS_ROOT", default=str(_VAR_DIR / "chart-photos")))
CHARTS_PHOTO_MAX_BYTES = env.int("CHARTS_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
FEATURE_PRIVATE_FOLDERS = {"signed-forms": CLINIC_FORMS_ROOT, "chart-photos": CHARTS_PHOTOS_ROOT}

# --- Import from the clinic's old system (docs/import.md): the largest CSV file an import
# reads, in bytes; larger files are refused unread.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
