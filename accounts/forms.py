from django import forms


class UnlockRequestForm(forms.Form):
    identifier = forms.CharField(label="User name or email", max_length=254)


class ClearLockoutForm(forms.Form):
    ip_address = forms.GenericIPAddressField()
    username = forms.CharField(required=False, max_length=255)


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split()).lower()
