from datetime import date

from django import forms
from django.utils import timezone

from incidents.models import validate_time_zone
from postmortems.render import LAYOUTS

MAX_IMPORT_BYTES = 1024 * 1024


class LayoutForm(forms.Form):
    layout = forms.ChoiceField(choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layout"].choices = [(key, layout.label) for key, layout in LAYOUTS.items()]


class ImportForm(forms.Form):
    document = forms.CharField(
        label="Postmortem in Markdown",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        help_text="Paste the document, or upload a file below.",
    )
    upload = forms.FileField(label="…or upload a .md or .txt file", required=False)
    incident_date = forms.DateField(
        label="Date of the incident",
        initial=timezone.localdate,
        help_text="Used when the document gives times without a date.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    time_zone = forms.CharField(
        label="Time zone",
        required=False,
        validators=[validate_time_zone],
        help_text="Leave empty to use the zone the document names (e.g. 'GMT+2'), else UTC.",
    )

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None:
            return None
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB; paste the text instead.")
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None

    def clean(self):
        data = super().clean()
        text = data.get("upload") or data.get("document") or ""
        if not text.strip() and not self.errors:
            raise forms.ValidationError("Paste a postmortem or choose a file to import.")
        # An uploaded file becomes the editable text, so the user can correct it.
        data["document"] = text
        return data

    @property
    def default_date(self) -> date:
        return self.cleaned_data["incident_date"]
