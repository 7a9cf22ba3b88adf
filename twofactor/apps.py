from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    """The second factor every clinic login needs before health data or money: enrolment at
    first sign-in (authenticator app or passkey, then recovery codes), the verify step at
    every sign-in, and the manager's reset for a lost device."""

    name = "twofactor"
    verbose_name = "Two-factor sign-in"
