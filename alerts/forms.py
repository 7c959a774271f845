from django import forms
from django.core.exceptions import ValidationError

from alerts.models import AlertServiceRule, AlertSource
from alerts.permissions import manageable_teams
from core import crypto
from incidents.models import Service, User


class SourceForm(forms.ModelForm):
    """Add or change a team's alert source; its secret is made by the app, shown once."""

    signing_secret = forms.CharField(
        label="PagerDuty signing secret",
        required=False,
        strip=True,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="PagerDuty only: the secret PagerDuty showed when the webhook was made. "
        "The other senders get a secret from us. Stored encrypted, never shown again.",
    )

    class Meta:
        model = AlertSource
        fields = ["team", "kind", "name", "severity", "open_private", "service_label", "is_active"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = manageable_teams(user)
        self.fields["team"].empty_label = None
        self.fields["kind"].choices = AlertSource.Kind.choices
        if self.instance.pk:
            # The URL and the secret belong to one sender: another kind is another source.
            self.fields["team"].disabled = True
            self.fields["kind"].disabled = True
            self.fields["signing_secret"].help_text = (
                "PagerDuty only: leave empty to keep the saved one; the one replaced works "
                "for 24 hours more."
            )
        else:
            self.initial.setdefault("kind", AlertSource.Kind.ALERTMANAGER)
            del self.fields["is_active"]

    def clean(self):
        data = super().clean()
        if not crypto.is_configured():
            raise ValidationError(
                "Alert secrets cannot be stored: the server has no TRACKER_ENCRYPTION_KEYS."
            )
        kind = self.instance.kind if self.instance.pk else data.get("kind")
        given = data.get("signing_secret", "")
        if kind == AlertSource.Kind.PAGERDUTY and not given and not self.instance.pk:
            self.add_error(
                "signing_secret",
                "Paste the signing secret PagerDuty showed when you added the webhook.",
            )
        if kind != AlertSource.Kind.PAGERDUTY and given:
            self.add_error("signing_secret", "Only PagerDuty makes its own secret; leave it empty.")
        return data


class ServiceRuleForm(forms.ModelForm):
    class Meta:
        model = AlertServiceRule
        fields = ["sender_name", "service"]
        help_texts = {
            "sender_name": "As the sender names it: PagerDuty's service, Opsgenie's entity, "
            "or the value of the service label.",
        }

    def __init__(self, *args, source: AlertSource, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.source = source
        self.fields["service"].queryset = Service.objects.order_by("name")

    def clean_sender_name(self) -> str:
        name = self.cleaned_data["sender_name"].strip()
        taken = self.instance.source.service_rules.filter(sender_name__iexact=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise ValidationError("This name is mapped already.")
        return name
