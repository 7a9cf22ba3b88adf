"""What every public form of the clinic shares: a POST form with one large submit button."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit


def submit_helper(submit_label: str) -> FormHelper:
    helper = FormHelper()
    helper.form_method = "post"
    button = Submit("submit", submit_label)
    button.field_classes = "btn btn-clinic btn-lg"  # not crispy's default btn-primary
    helper.add_input(button)
    return helper
