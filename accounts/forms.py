from django import forms


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        help_text="The address you booked with. We e-mail you a link that signs you in.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
