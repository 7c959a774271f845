"""Forms of the postmortem document: editor, review, layout and import."""

from datetime import date

from django import forms
from django.utils import timezone
from markdownx.widgets import MarkdownxWidget

from incidents.models import User, validate_time_zone
from postmortems.models import Postmortem, Review
from postmortems.render import LAYOUTS
from postmortems.services import INCIDENT_NARRATIVE_FIELDS, NARRATIVE_FIELDS


class PostmortemForm(forms.ModelForm):
    """Every narrative field with live preview, plus who writes and who reviews."""

    summary = forms.CharField(required=False, widget=MarkdownxWidget)
    impact = forms.CharField(required=False, widget=MarkdownxWidget)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Postmortem
        fields = ["authors", "reviewers", *NARRATIVE_FIELDS]
        widgets = {name: MarkdownxWidget for name in NARRATIVE_FIELDS}

    field_order = ["summary", "impact", *NARRATIVE_FIELDS, "authors", "reviewers"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        incident = self.instance.incident
        for name in INCIDENT_NARRATIVE_FIELDS:
            self.initial.setdefault(name, getattr(incident, name))
        self.fields["version"].initial = self.instance.version
        people = User.objects.filter(is_active=True).order_by("username")
        for name in ("authors", "reviewers"):
            self.fields[name].queryset = people
            self.fields[name].required = False
            self.fields[name].widget.attrs["size"] = 6

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ReviewForm(forms.ModelForm):
    body = forms.CharField(
        label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    class Meta:
        model = Review
        fields = ["decision", "body"]
        labels = {"body": "Comment"}
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}


class ReopenForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, label="Why reopen?")


class ImageUploadForm(forms.Form):
    """An image for the editor: PNG or JPEG under 5 MB, checked by its content."""

    MAX_BYTES = 5 * 1024 * 1024
    FORMATS = {"PNG": "png", "JPEG": "jpg"}

    image = forms.FileField()

    def clean_image(self):
        from PIL import Image, UnidentifiedImageError

        upload = self.cleaned_data["image"]
        if upload.size >= self.MAX_BYTES:
            raise forms.ValidationError("The image must be smaller than 5 MB.")
        try:
            # Judge by the bytes, not the name or the declared type, which the client picks.
            with Image.open(upload) as image:
                image.verify()
                kind = image.format
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            kind = None
        if kind not in self.FORMATS:
            raise forms.ValidationError("Only PNG and JPEG images can be uploaded.")
        upload.seek(0)
        self.extension = self.FORMATS[kind]
        return upload


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
