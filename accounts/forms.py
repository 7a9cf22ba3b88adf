from django import forms


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        help_text="The address you booked with. We e-mail you a link that signs you in.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class SeriesRepeatForm(forms.Form):
    """A signed-in client's "book this as a series": the rhythm and that the answers hold.
    Bounds are `bookings.series`'s; the service decides the rest."""

    interval_weeks = forms.TypedChoiceField(
        label="Every",
        coerce=int,
        initial=2,
        choices=[(k, f"{k} week{'s' if k > 1 else ''}") for k in range(1, 9)],
    )
    sessions = forms.TypedChoiceField(
        label="Sessions in all (this one included)",
        coerce=int,
        initial=4,
        choices=[(n, str(n)) for n in range(2, 13)],
    )
    answers_hold = forms.BooleanField(
        label="My health answers for this booking are still true and apply to every session. "
        "I will tell the clinic if anything changes.",
    )
