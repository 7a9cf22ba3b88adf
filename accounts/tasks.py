"""Background tasks of client sign-in, run by `manage.py db_worker`.

A sign-in request is answered before anyone looks the address up: the page queues this
task for every well-formed address, known or not, so the request does the same work (and
takes the same time) either way and tells nothing about who has booked with the clinic.
"""

from django.tasks import task

from accounts import services


@task
def sign_in_link_task(email: str) -> bool:
    """Send a link if someone booked under `email` (`services.sign_in_link_request`)."""
    return services.sign_in_link_request(email=email) is not None
