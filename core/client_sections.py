"""Parts of the client's own pages that apps above them add: the /account/ page (payments:
balances of packages and gift cards) and a booking's manage page (payments: "use a session
of your package"). The pages' apps (accounts, bookings) never import payments: an app
registers a section here in its `AppConfig.ready`, and the page renders every section
registered for it.

A section is a function `(request, subject) -> html or None` (the subject: the signed-in
record on /account/, the appointment on its manage page) that shows only what belongs to
the signed-in client, and nothing when no one is signed in.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString

ACCOUNT = "account"
MANAGE = "manage"

Section = Callable[[object, object], SafeString | None]
_sections: dict[str, dict[str, Section]] = {ACCOUNT: {}, MANAGE: {}}


def section_register(page: str, name: str, section: Section) -> None:
    _sections[page][name] = section


def sections_render(page: str, request, subject) -> list[SafeString]:
    rendered = (section(request, subject) for section in _sections[page].values())
    return [html for html in rendered if html]
