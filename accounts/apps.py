from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from accounts import services
        from bookings import privacy as bookings_privacy

        # An erased client's sign-in links and erase requests go with the rest of their data.
        bookings_privacy.client_erased.connect(services.on_client_erased, dispatch_uid="accounts")
