"""The production settings, collecting static files without compressing them: the fault
tests' servers read the same manifest (`staticfiles.json`) in a second of work instead of a
minute of gzip and brotli. Only `collectstatic` runs with these; the servers run the real ones."""

from ashiatsu_clinic.settings import *  # noqa: F403
from ashiatsu_clinic.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
