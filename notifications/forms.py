from django import forms

from notifications.models import Kind, NotificationPreference


class PreferencesForm(forms.Form):
    """Two checkboxes per kind: in the inbox, and by e-mail."""

    def __init__(self, *args, preferences: dict[str, NotificationPreference], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for kind in Kind:
            current = preferences[kind]
            in_app = forms.BooleanField(
                required=False, initial=current.in_app, label=f"{kind.label} in the inbox"
            )
            email = forms.BooleanField(
                required=False, initial=current.email, label=f"{kind.label} by e-mail"
            )
            self.fields[f"{kind}_in_app"] = in_app
            self.fields[f"{kind}_email"] = email
            self.rows.append((kind, self[f"{kind}_in_app"], self[f"{kind}_email"]))

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {
            kind: (self.cleaned_data[f"{kind}_in_app"], self.cleaned_data[f"{kind}_email"])
            for kind in Kind
        }
