"""Dead letters in the admin: staff see them with the reason, tries and last error, and
"send again" re-queues and delivers them; therapists and visitors get nothing."""

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.urls import reverse

from outbox.models import Email, EmailStatus
from outbox.services import email_queue

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:outbox_email_changelist")


def hello(params, *, secret=""):
    return EmailMessage(subject="Your session", body=f"link={secret}", to=["ada@example.com"])


@pytest.fixture
def dead_letter():
    email = email_queue(kind="confirmed", builder=hello, params={}, secret="tok3n")
    Email.objects.filter(pk=email.pk).update(
        status=EmailStatus.DEAD,
        attempts=12,
        last_error="SMTPServerDisconnected: mail server down",
        reason="Gave up after 12 tries.",
    )
    return email


def send_again(client, email):
    return client.post(
        CHANGELIST, {"action": "send_again", "_selected_action": [email.pk]}, follow=True
    )


@pytest.mark.parametrize("who", ["desk", "manager"])
def test_staff_see_dead_letters_and_send_them_again(
    client, people, who, dead_letter, django_capture_on_commit_callbacks
):
    client.force_login(people[who])
    page = client.get(CHANGELIST, {"status__exact": "dead"}).content.decode()
    assert "1 dead letter(s)" in page  # announced on top of the list
    assert "Gave up after 12 tries." in page and "SMTPServerDisconnected: mail server down" in page
    assert "Dead letter (gave up)" in page and ">12<" in page
    assert "Dead letter (gave up) (1)" in client.get(CHANGELIST).content.decode()  # facet count
    assert client.get(CHANGELIST).content.decode().count("1 dead letter(s)") == 1
    with django_capture_on_commit_callbacks(execute=True):
        answer = send_again(client, dead_letter).content.decode()
    assert "1 e-mail(s) queued to be sent again." in answer
    dead_letter.refresh_from_db()
    assert dead_letter.status == EmailStatus.SENT and dead_letter.reason == ""
    (message,) = mail.outbox
    assert message.body == "link=tok3n"
    assert "dead letter" not in client.get(CHANGELIST).content.decode()


def test_a_sent_e_mail_is_never_sent_again(client, front_desk, dead_letter):
    Email.objects.filter(pk=dead_letter.pk).update(status=EmailStatus.SENT)
    client.force_login(front_desk)
    assert "left alone: already sent" in send_again(client, dead_letter).content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("who", [None, "therapist", "no_role"])
def test_others_neither_see_nor_send_them(client, people, who, dead_letter):
    if who:
        client.force_login(people[who])
    page = client.get(CHANGELIST)
    assert page.status_code in (302, 403)
    assert b"mail server down" not in page.content
    answer = client.post(CHANGELIST, {"action": "send_again", "_selected_action": [dead_letter.pk]})
    assert answer.status_code in (302, 403)
    dead_letter.refresh_from_db()
    assert dead_letter.status == EmailStatus.DEAD and mail.outbox == []
