"""Forms of the postmortem editor and review."""

from django import forms
from markdownx.widgets import MarkdownxWidget

from incidents.models import User
from postmortems.models import Postmortem, Review
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
