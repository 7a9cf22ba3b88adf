from django.apps import AppConfig


class CaldavSyncConfig(AppConfig):
    name = "caldav_sync"
    verbose_name = "Therapists' own calendars"
