from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "E-mail outbox and reminders"

    def ready(self) -> None:
        from outbox import dead_letters, signals

        signals.email_dead.connect(dead_letters.alert_on_dead_letter, dispatch_uid="outbox-alert")
