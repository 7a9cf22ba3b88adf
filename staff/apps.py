from django.apps import AppConfig


class StaffConfig(AppConfig):
    """The clinic's staff admin: the pages over bookings, clients and health records."""

    name = "staff"
