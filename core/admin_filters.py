"""Bad filter values in an admin list get the admin's "invalid filter" answer, never a 500.

Django's admin builds a date hierarchy's bounds in Python: `?start__year=9999` asks for
[9999-01-01, 10000-01-01), and year 10000 does not exist, so the list (and our CSV export,
which reuses it) failed with a ValueError or OverflowError. Any filter value that overflows
date arithmetic is a bad filter value: `SafeFilterChangeList` turns it into
`IncorrectLookupParameters`, which the changelist answers with its usual redirect to `?e=1`
("invalid filter") and the CSV export with the same redirect.

Every ModelAdmin gets that changelist through its base, `core.model_admin.ClinicModelAdmin`
(third-party ones from `ClinicAdminSite.register`), so a new admin cannot forget it;
tests/test_admin_filters.py checks each one.
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class SafeFilterChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:  # year 10000, 9999-12-31 + 1 day
            raise IncorrectLookupParameters(error) from error


class SafeFilterAdminMixin:
    """A base of `ClinicModelAdmin`: the changelist, whatever it is, refuses bad dates."""

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        if issubclass(changelist, SafeFilterChangeList):
            return changelist
        return type(f"Safe{changelist.__name__}", (SafeFilterChangeList, changelist), {})
