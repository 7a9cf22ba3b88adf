"""The payments app's part of a client's erasure (`bookings.privacy.client_erased`).

Who paid goes (names, e-mail addresses, the saved card's reference); what was paid stays:
amounts, dates and methods are accounting records the clinic must keep, and the ledger
holds no names. The customer object at Stripe is not deleted here (see docs/payments.md).
"""

from django.db.models import Q
from django.db.models.functions import Lower

from bookings.privacy import ERASED_NAME
from payments.models import CardOnFile, GiftCard, Package, Payment


def on_client_erased(sender, *, email: str, addresses: set[str], **kwargs) -> None:
    lowered = {address.lower() for address in addresses if address}
    payments = Payment.objects.annotate(lower_email=Lower("payer_email")).filter(
        lower_email__in=lowered
    )
    clients = set(
        payments.exclude(appointment=None).values_list("appointment__client_id", flat=True)
    )
    CardOnFile.objects.annotate(lower_email=Lower("client__email")).filter(
        Q(client_id__in=clients) | Q(lower_email__in=lowered)
    ).delete()
    Payment.objects.filter(pk__in=payments.values("pk")).update(
        payer_name=ERASED_NAME, payer_email=""
    )
    Package.objects.annotate(lower_email=Lower("client_email")).filter(
        lower_email__in=lowered
    ).update(client_name=ERASED_NAME, client_email="")
    # A gift card the person bought, or was given: both sides' names and addresses and the
    # message go (the balance stays; the code was never stored).
    GiftCard.objects.annotate(
        lower_email=Lower("purchaser_email"), lower_recipient=Lower("recipient_email")
    ).filter(Q(lower_email__in=lowered) | Q(lower_recipient__in=lowered)).update(
        purchaser_email="", purchaser_name="", recipient_name="", recipient_email="", message=""
    )
