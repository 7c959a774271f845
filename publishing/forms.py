from django import forms
from django.core.exceptions import ValidationError

from core import crypto
from incidents.models import User
from publishing.models import RepositoryConnection
from publishing.remotes.base import RemoteError
from publishing.remotes.git import check_remote_url
from webhooks.permissions import manageable_teams


class ConnectionForm(forms.ModelForm):
    """Connect a team's repository of postmortems; secrets are never shown again."""

    token = forms.CharField(
        label="Token or password",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="GitHub: a fine-grained token with Contents and Pull requests (read and "
        "write). GitLab: a project access token with the api scope. Any git remote over "
        "HTTPS: the password or token of the user name above. Stored encrypted.",
    )
    ssh_key = forms.CharField(
        label="SSH private key",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text="For ssh:// remotes: a deploy key with write access, without a passphrase. "
        "Stored encrypted and never shown again.",
    )

    api_url = forms.URLField(
        label="API URL", assume_scheme="https", required=False, max_length=300,
        help_text=RepositoryConnection._meta.get_field("api_url").help_text,
    )  # fmt: skip

    class Meta:
        model = RepositoryConnection
        fields = ["team", "kind", "remote_url", "repository", "api_url", "branch", "folder",
                  "mode", "username"]  # fmt: skip
        widgets = {"kind": forms.RadioSelect, "mode": forms.RadioSelect}
        help_texts = {
            "repository": "GitHub: owner/name. GitLab: group/name, as in the project's URL.",
            "folder": "Where the Markdown files are, e.g. postmortems; empty for the top.",
            "mode": "A plain git remote has no pull requests: it gets the branch, and a "
            "person opens the request on the host.",
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = manageable_teams(user)
        self.fields["team"].empty_label = None
        self.fields["kind"].choices = RepositoryConnection.Kind.choices
        self.fields["mode"].choices = RepositoryConnection.Mode.choices
        if self.instance.pk:
            self.fields["team"].disabled = True
            for name in ("token", "ssh_key"):
                self.fields[name].help_text = "Leave empty to keep the saved one. " + (
                    self.fields[name].help_text
                )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == RepositoryConnection.Kind.GIT:
            if not data.get("remote_url"):
                self.add_error("remote_url", "Give the remote's URL.")
            else:
                try:
                    check_remote_url(data["remote_url"])
                except RemoteError as error:
                    self.add_error("remote_url", str(error))
        elif kind and not data.get("repository"):
            self.add_error("repository", "Give the repository.")
        if (data.get("token") or data.get("ssh_key")) and not crypto.is_configured():
            raise ValidationError(
                "Secrets cannot be stored: set TRACKER_ENCRYPTION_KEYS on the server first."
            )
        return data
