import re

from django import forms
from django.core.exceptions import ValidationError

from confluence.client import ConfluenceError, check_host
from confluence.models import ConfluenceConnection
from core import crypto as secrets
from incidents.models import User
from webhooks.permissions import manageable_teams

# A page's URL names its id: …/wiki/spaces/ENG/pages/123456/Title.
PAGE_URL_ID = re.compile(r"/pages/(?:edit-v2/)?([0-9]+)")


class ConnectionForm(forms.ModelForm):
    """Connect a team's Confluence space; the API token is never shown again."""

    token = forms.CharField(
        label="API token",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="An API token of the account above, made at "
        "id.atlassian.com → Security → API tokens. Stored encrypted and never shown again.",
    )
    site_url = forms.URLField(
        label="Confluence site URL", assume_scheme="https", max_length=300,
        help_text="e.g. https://acme.atlassian.net",
    )  # fmt: skip
    parent_page_id = forms.CharField(
        label="Parent page",
        max_length=500,
        help_text="The page postmortems go under: its URL or its ID (the number after "
        "/pages/ in its URL).",
    )

    class Meta:
        model = ConfluenceConnection
        fields = ["team", "site_url", "email", "space_key", "parent_page_id"]
        help_texts = {
            "email": "The account the pages are written as; it needs to add pages in the space.",
            "space_key": "As in the space's URL: …/wiki/spaces/ENG/… has the key ENG.",
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = manageable_teams(user)
        self.fields["team"].empty_label = None
        if self.instance.pk:
            self.fields["team"].disabled = True
            self.fields["token"].help_text = "Leave empty to keep the saved token. " + (
                self.fields["token"].help_text
            )

    def clean_parent_page_id(self) -> str:
        value = self.cleaned_data["parent_page_id"].strip()
        found = PAGE_URL_ID.search(value)
        page_id = found.group(1) if found else value
        if not page_id.isdigit():
            raise ValidationError("Give the parent page's URL, or its ID (digits, e.g. 123456).")
        return page_id

    def clean_site_url(self) -> str:
        # The site, not a page of it: https://acme.atlassian.net/wiki/… → https://acme.atlassian.net
        url = self.cleaned_data["site_url"]
        return url.split("/wiki", 1)[0].rstrip("/")

    def clean(self):
        data = super().clean()
        if not data.get("token") and not self.instance.token_encrypted:
            self.add_error("token", "Enter the API token.")
        if not secrets.is_configured():
            raise ValidationError(
                "Confluence tokens cannot be stored: the server has no TRACKER_ENCRYPTION_KEYS."
            )
        if data.get("site_url") and "site_url" not in self.errors:
            try:
                check_host(data["site_url"])
            except ConfluenceError as error:
                self.add_error("site_url", str(error))
        return data
