"""Load the settings once at start-up and turn a configuration mistake into one clear line.

A clinic manager deploying the app should read "SECRET_KEY is not set", not a 60-line
traceback. `manage.py`, `wsgi.py` and `asgi.py` call `load_settings_or_exit()` first.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

EXIT_BAD_CONFIGURATION = 2


def load_settings_or_exit() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ashiatsu_clinic.settings")
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - forces the settings module to load
    except ImproperlyConfigured as error:
        sys.stderr.write(f"Configuration error: {error}\n")
        raise SystemExit(EXIT_BAD_CONFIGURATION) from None
