from django import forms

from incidents.models import User
from webhooks import sending
from webhooks.models import WebhookEvent
from webhooks.permissions import manageable_teams


class EndpointForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, empty_label=None)
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where to POST the events; it must be on a public address.",
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Send only these events.",
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = manageable_teams(user)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            sending.resolve(url)
        except sending.RefusedURL as error:
            raise forms.ValidationError(str(error)) from None
        except OSError:
            host = sending.parts_host(url)
            raise forms.ValidationError(
                f"{host} does not resolve to any address; check the host name."
            ) from None
        return url
