"""Staff logins for tests: the roles the data migration creates, and users that hold them."""

from django.conf import settings
from django.contrib.auth.models import Group

from bookings.roles import ensure_roles
from tests.factories import UserFactory

FRONT_DESK = "Front desk"
CLINIC_MANAGER = "Clinic manager"


def role(name: str) -> Group:
    """The group the roles' migration made (re-made with its permissions if a transactional
    test flushed it)."""
    if not Group.objects.filter(name=name).exists():
        ensure_roles()
    return Group.objects.get(name=name)


def staff_member(username: str, group: str | None):
    user = UserFactory(username=username, is_staff=True)
    if group:
        user.groups.add(role(group))
    return user


def request_queries() -> int:
    """What any logged-in admin page costs before its own queries: the session and the user
    (2), the user's own and group permissions (2), and, when SESSION_SAVE_EVERY_REQUEST is on,
    the session saved again (an UPDATE inside a savepoint and its release: 3)."""
    return 4 + (3 if settings.SESSION_SAVE_EVERY_REQUEST else 0)
