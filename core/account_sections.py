"""Parts of the client's own /account/ page that other apps add (payments: balances of
packages and gift cards). The accounts app and those apps are peers, so neither imports the
other: an app registers a section here in its `AppConfig.ready`, and the account page
renders every registered section for the signed-in record.

A section is a function `(request, record) -> html or None` that shows only what belongs to
that record.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString

Section = Callable[[object, object], SafeString | None]
_sections: dict[str, Section] = {}


def section_register(name: str, section: Section) -> None:
    _sections[name] = section


def sections_render(request, record) -> list[SafeString]:
    rendered = (section(request, record) for section in _sections.values())
    return [html for html in rendered if html]
