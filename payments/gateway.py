"""The one place that talks to Stripe, with the official `stripe` library.

Production and tests run this same code: the API base URL comes from settings
(`STRIPE_API_BASE`), which the test suite points at a localstripe server on 127.0.0.1.
Only parameters that both Stripe and localstripe understand are used: a Customer, a
PaymentMethod attached to it (the card on file), PaymentIntents confirmed on the server
(`confirm=True`, card only, `off_session=True` for fees), Refunds, and webhook events
verified with the endpoint's signing secret.

Stripe errors become two exceptions with messages written for people: `PaymentDeclined`
(the card said no: show the reason) and `GatewayUnavailable` (Stripe could not be reached or
refused the request: nothing was charged, try again or pay at the clinic).
"""

import logging
from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

logger = logging.getLogger(__name__)


class PaymentDeclined(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class GatewayUnavailable(Exception):
    message = gettext_lazy(
        "The card payment service did not answer. Nothing was charged; please try again."
    )


@dataclass(frozen=True)
class Intent:
    id: str
    status: str
    amount: int
    metadata: dict[str, str]
    # Only for the browser to finish a bank check (3-D Secure) with Stripe.js; never stored.
    client_secret: str = ""


@dataclass(frozen=True)
class SavedCard:
    payment_method: str
    brand: str
    last4: str


def _client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=1,
    )


def _call(action, *args, **kwargs) -> Any:
    try:
        return action(*args, **kwargs)
    except stripe.CardError as error:
        raise PaymentDeclined(error.user_message or gettext("Your card was declined.")) from error
    except stripe.StripeError as error:
        logger.warning("Stripe request failed: %s", error)
        raise GatewayUnavailable from error


def _intent(obj) -> Intent:
    return Intent(
        id=obj.id,
        status=obj.status,
        amount=int(obj.amount),
        metadata=obj.metadata.to_dict() if obj.metadata else {},
        client_secret=getattr(obj, "client_secret", "") or "",
    )


def customer_create(*, email: str, name: str, client_id: int) -> str:
    customer = _call(
        _client().v1.customers.create,
        params={"email": email, "name": name, "metadata": {"client": str(client_id)}},
    )
    return customer.id


def card_save(*, customer: str, payment_method: str) -> SavedCard:
    """Attach the card to the customer so staff may later charge a fee off-session."""
    method = _call(
        _client().v1.payment_methods.attach, payment_method, params={"customer": customer}
    )
    card = getattr(method, "card", None)
    return SavedCard(
        payment_method=method.id,
        brand=str(getattr(card, "brand", "") or ""),
        last4=str(getattr(card, "last4", "") or ""),
    )


def charge(
    *,
    amount_cents: int,
    payment_method: str,
    customer: str | None,
    metadata: dict[str, str],
    idempotency_key: str,
    off_session: bool = False,
) -> Intent:
    """Create and confirm a PaymentIntent on the server. The idempotency key makes a retried
    request (a network hiccup) charge once."""
    params: dict[str, Any] = {
        "amount": amount_cents,
        "currency": settings.PAYMENTS_CURRENCY,
        "payment_method": payment_method,
        "payment_method_types": ["card"],
        "confirm": True,
        "metadata": metadata,
    }
    if customer:
        params["customer"] = customer
    if off_session:
        params["off_session"] = True
    intent = _call(
        _client().v1.payment_intents.create,
        params=params,
        options={"idempotency_key": idempotency_key},
    )
    return _intent(intent)


def intent_retrieve(intent_id: str) -> Intent:
    return _intent(_call(_client().v1.payment_intents.retrieve, intent_id))


def refund(*, payment_intent: str, amount_cents: int, idempotency_key: str) -> str:
    created = _call(
        _client().v1.refunds.create,
        params={"payment_intent": payment_intent, "amount": amount_cents},
        options={"idempotency_key": idempotency_key},
    )
    return created.id


def webhook_event(payload: bytes, signature: str) -> stripe.Event:
    """The event, if its signature is valid for our endpoint secret; raises ValueError or
    stripe.SignatureVerificationError otherwise."""
    return _client().construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
