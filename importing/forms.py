"""The import form: a pasted document or uploaded files, the day and zone to read them in."""

from datetime import date

from django import forms
from django.utils import timezone

from importing.saving import import_names
from incidents.models import validate_time_zone
from postmortems.layouts.sections import ensure_builtin_templates
from postmortems.models import PostmortemTemplate

MAX_IMPORT_BYTES = 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once and cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class ImportForm(forms.Form):
    document = forms.CharField(
        label="Postmortem in Markdown",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        help_text="Paste the document, or upload files below.",
    )
    upload = MultipleFileField(
        label="…or upload .md or .txt files (several at once are imported together)",
        required=False,
    )
    incident_date = forms.DateField(
        label="Date of the incident",
        initial=timezone.localdate,
        help_text="Used only when a document gives no date; the preview says when it was.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    time_zone = forms.CharField(
        label="Time zone",
        required=False,
        validators=[validate_time_zone],
        help_text="Leave empty to use the zone the document names (e.g. 'GMT+2'), else UTC.",
    )
    template = forms.ModelChoiceField(
        queryset=PostmortemTemplate.objects.none(),
        required=False,
        empty_label="The one an export names, else the default",
        help_text="Headings are matched to its sections' titles and synonyms.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ensure_builtin_templates()
        self.fields["template"].queryset = PostmortemTemplate.objects.filter(retired_at=None)

    @property
    def section_names(self) -> dict[str, tuple[str, str]] | None:
        template = self.cleaned_data.get("template")
        return import_names(template) if template else None

    def clean_upload(self) -> list[tuple[str, str]]:
        texts = []
        for upload in self.cleaned_data.get("upload") or []:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError(
                    f"{upload.name} is larger than 1 MB; paste the text instead."
                )
            try:
                texts.append((upload.name, upload.read().decode("utf-8")))
            except UnicodeDecodeError:
                raise forms.ValidationError(f"{upload.name} is not UTF-8 text.") from None
        # A batch previewed before comes back as hidden fields, so "Save all" needs no re-upload.
        if not texts:
            names, bodies = self.data.getlist("batch_name"), self.data.getlist("batch_text")
            texts = list(zip(names, bodies, strict=False))
        return texts

    def clean(self):
        data = super().clean()
        uploads = data.get("upload") or []
        data["batch"] = uploads if len(uploads) > 1 else []
        text = (uploads[0][1] if len(uploads) == 1 else "") or data.get("document") or ""
        if not text.strip() and not data["batch"] and not self.errors:
            raise forms.ValidationError("Paste a postmortem or choose a file to import.")
        # An uploaded file becomes the editable text, so the user can correct it.
        data["document"] = text
        return data

    @property
    def default_date(self) -> date:
        return self.cleaned_data["incident_date"]
