from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The therapist portal (/therapist/): pages over bookings for the clinic's therapists.

    Its own app, above bookings, so that `therapists` (the people and their credentials) stays
    below the booking engine. URL names keep the `therapists:` namespace and templates stay in
    `templates/therapists/`.
    """

    name = "portal"
