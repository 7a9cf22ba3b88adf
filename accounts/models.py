"""Client sign-in links and erase requests.

Clients have no password and no Django user: a client is signed in for a browser session
once they open a one-time link sent to an address they booked under (accounts/services.py).
"""

from django.conf import settings
from django.db import models

from clients.models import Client
from core.tokens import token_hash, token_matches, token_new


class SignInLink(models.Model):
    """One link sent to one address: works once, until `expires_at`. Only the token's hash
    is stored (the outbox keeps the token sealed until the e-mail is sent)."""

    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email", "created_at"])]

    def __str__(self) -> str:
        return f"Sign-in link {self.pk}"

    def set_token(self) -> str:
        token = token_new()
        self.token_hash = token_hash(token)
        return token

    def token_matches(self, token: str) -> bool:
        return token_matches(self.token_hash, token)


class ErasureRequest(models.Model):
    """A signed-in client asked the clinic to erase their data. Staff check and erase (the
    Clients admin's erase action); the request itself erases nothing."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="erasure_requests")
    requested_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Erase request from client {self.client_id}"
