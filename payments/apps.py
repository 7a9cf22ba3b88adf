from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from bookings import privacy as bookings_privacy
        from bookings import signals
        from core import client_sections
        from payments import account, privacy, receivers, roles

        signals.deposit_required.connect(receivers.deposit_required, dispatch_uid="payments")
        signals.appointment_cancelled.connect(
            receivers.appointment_cancelled, dispatch_uid="payments"
        )
        bookings_privacy.client_erased.connect(privacy.on_client_erased, dispatch_uid="payments")
        client_sections.section_register(
            client_sections.ACCOUNT, "payments", account.balances_section
        )
        client_sections.section_register(
            client_sections.MANAGE, "payments", account.package_offer_section
        )
        post_migrate.connect(roles.grant_payment_permissions, sender=self)
