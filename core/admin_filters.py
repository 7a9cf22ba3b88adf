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

The same holds for an add page's initial values from its address (`?client=42` preselects a
client): a value that is not a valid key of the related model (`?client=x`, a number past
the column's range) is dropped, so the form opens empty instead of the search box's widget
failing to look it up.
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ValidationError


class SafeFilterChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:  # year 10000, 9999-12-31 + 1 day
            raise IncorrectLookupParameters(error) from error


class SafeFilterAdminMixin:
    """A base of `ClinicModelAdmin`: the changelist, whatever it is, refuses bad dates."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        return {
            name: value
            for name, value in initial.items()
            if _valid_initial(self.model, name, value)
        }

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        if issubclass(changelist, SafeFilterChangeList):
            return changelist
        return type(f"Safe{changelist.__name__}", (SafeFilterChangeList, changelist), {})


def _valid_initial(model, name: str, value) -> bool:
    """Whether an initial value from the URL can stand for its field: related keys must be
    keys of the related model (a comma-separated list for many-to-many); others are left to
    the form, which shows its own message."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return True
    if not field.is_relation or field.target_field is None:
        return True
    values = value.split(",") if field.many_to_many and isinstance(value, str) else [value]
    target = field.target_field
    try:
        for one in values:
            target.run_validators(target.to_python(one))
    except (ValidationError, TypeError, ValueError):
        return False
    return True
