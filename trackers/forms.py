from django import forms
from django.core.exceptions import ValidationError

from incidents.models import User
from trackers import crypto
from trackers.clients import TrackerError, check_host
from trackers.models import GITHUB_API_URL, TrackerAccount, TrackerConnection
from trackers.permissions import manageable_teams


class ConnectionForm(forms.ModelForm):
    """Connect a team's GitHub repository or Jira project; the token is never shown again."""

    token = forms.CharField(
        label="Token",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="GitHub: a fine-grained token with Issues (read and write) on the "
        "repository. Jira: an API token of the account above. Stored encrypted and never "
        "shown again.",
    )

    github_api_url = forms.URLField(
        label="GitHub API URL", assume_scheme="https", required=False, max_length=300,
        initial="https://api.github.com", help_text="Change only for GitHub Enterprise Server.",
    )  # fmt: skip
    jira_site_url = forms.URLField(
        label="Jira site URL", assume_scheme="https", required=False, max_length=300,
        help_text="e.g. https://acme.atlassian.net",
    )  # fmt: skip

    class Meta:
        model = TrackerConnection
        fields = [
            "team", "kind", "github_repository", "github_api_url", "jira_site_url",
            "jira_project_key", "jira_email", "jira_issue_type", "create_on_publish",
        ]  # fmt: skip
        widgets = {"kind": forms.RadioSelect}
        help_texts = {
            "github_repository": "owner/name, e.g. acme/web.",
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = manageable_teams(user)
        self.fields["team"].empty_label = None
        # A tracker is one kind or the other: no empty choice, GitHub until one picks Jira.
        self.fields["kind"].choices = TrackerConnection.Kind.choices
        if not self.instance.pk:
            self.initial["kind"] = self.initial.get("kind") or TrackerConnection.Kind.GITHUB
        if self.instance.pk:
            self.fields["team"].disabled = True
            self.fields["token"].help_text = "Leave empty to keep the saved token. " + (
                self.fields["token"].help_text
            )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not data.get("github_api_url"):
            data["github_api_url"] = GITHUB_API_URL
        needed = (
            ["github_repository"]
            if kind == TrackerConnection.Kind.GITHUB
            else ["jira_site_url", "jira_project_key", "jira_email", "jira_issue_type"]
        )
        for name in needed:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, "Needed for this kind of tracker.")
        if not data.get("token") and not self.instance.token_encrypted:
            self.add_error("token", "Enter the token.")
        if not crypto.is_configured():
            raise ValidationError(
                "Tracker tokens cannot be stored: the server has no TRACKER_ENCRYPTION_KEYS."
            )
        url = data.get("github_api_url" if kind == "github" else "jira_site_url")
        if url and not self.errors:
            try:
                check_host(url)
            except TrackerError as error:
                field = "github_api_url" if kind == "github" else "jira_site_url"
                self.add_error(field, str(error))
        return data


class LinkForm(forms.Form):
    reference = forms.CharField(
        label="Issue URL or key",
        max_length=500,
        help_text="e.g. https://github.com/acme/web/issues/12, acme/web#12, #12 or OPS-12.",
    )


class TrackerAccountForm(forms.ModelForm):
    class Meta:
        model = TrackerAccount
        fields = ["github_login", "jira_account_id"]
