"""Forms of the action items board: inline and bulk changes."""

from django import forms

from incidents.models import ActionItem, User


def _owner_field(required: bool = True) -> forms.ModelChoiceField:
    # Owners are named by username: the board offers them once in a <datalist>, not as a
    # <select> per row, which would grow with rows times users.
    return forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        to_field_name="username",
        required=required,
        error_messages={"invalid_choice": "%(value)s is not a user of this app; pick a username."},
    )


class QuickUpdateForm(forms.Form):
    """Change one item's status or owner from its board row."""

    status = forms.ChoiceField(choices=ActionItem.Status.choices, required=False)
    owner = _owner_field(required=False)

    def changes(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name in self.changed_data
        }


class BulkChangeForm(forms.Form):
    """One change applied to every selected item the user may edit."""

    ACTIONS = [
        ("reassign", "Reassign to"),
        ("status", "Set status to"),
        ("move_due", "Move due date to"),
    ]
    items = forms.ModelMultipleChoiceField(
        queryset=ActionItem.objects.all(),
        error_messages={"required": "Select at least one action item."},
    )
    action = forms.ChoiceField(choices=ACTIONS)
    owner = _owner_field(required=False)
    status = forms.ChoiceField(choices=[("", "—"), *ActionItem.Status.choices], required=False)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # Items of incidents private to others are refused like items that do not exist.
            self.fields["items"].queryset = ActionItem.objects.visible_to(user)

    def clean(self):
        data = super().clean()
        needed = {"reassign": "owner", "status": "status", "move_due": "due_date"}
        field = needed.get(data.get("action"))
        if field and not data.get(field):
            self.add_error(field, "Choose the new value for the selected items.")
        return data

    def changes(self) -> dict:
        action = self.cleaned_data["action"]
        field = {"reassign": "owner", "status": "status", "move_due": "due_date"}[action]
        return {field: self.cleaned_data[field]}
