from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "checkout"
    verbose_name = "Checkout"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from checkout import roles

        post_migrate.connect(roles.grant_checkout_permissions, sender=self)
