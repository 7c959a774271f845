"""Forms of the postmortem document: the editor, the review and image uploads."""

from django import forms
from markdownx.widgets import MarkdownxWidget

from core.text import NewlinesNormalisedForm
from incidents.models import User
from postmortems.layouts.sections import NOT_IN_TEMPLATE
from postmortems.models import Postmortem, PostmortemSection, Review, SectionKind
from postmortems.services import INCIDENT_NARRATIVE_FIELDS

SECTION_PREFIX = "section_"
WRITTEN = {SectionKind.MARKDOWN, SectionKind.RESOLUTION}


class PostmortemForm(NewlinesNormalisedForm, forms.ModelForm):
    """One field per written section of the postmortem's template, in its order, with the
    section's prompt as help; summary and impact where the template places them; then
    who writes and who reviews."""

    summary = forms.CharField(required=False, widget=MarkdownxWidget)
    impact = forms.CharField(required=False, widget=MarkdownxWidget)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Postmortem
        fields = ["authors", "reviewers"]

    def __init__(self, *args, sections: list[PostmortemSection], **kwargs):
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
        self.sections = {section.key: section for section in sections}
        order: list[str] = []
        kinds = {section.kind for section in sections if section.in_template}
        for section in sections:
            if section.kind == SectionKind.SUMMARY and section.in_template:
                self.fields["summary"].label = section.title
                self.fields["summary"].help_text = section.help_text
                order += ["summary"] if SectionKind.IMPACT in kinds else ["summary", "impact"]
            elif section.kind == SectionKind.IMPACT and section.in_template:
                self.fields["impact"].label = section.title
                self.fields["impact"].help_text = section.help_text
                order.append("impact")
            elif section.kind in WRITTEN or not section.in_template:
                name = f"{SECTION_PREFIX}{section.key}"
                label = section.title
                if not section.in_template:
                    label = f"{label} ({NOT_IN_TEMPLATE})"
                elif section.required:
                    label = f"{label} (required before review)"
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    help_text=section.help_text,
                    initial=section.body,
                    widget=MarkdownxWidget(attrs={"placeholder": section.help_text}),
                )
                order.append(name)
        order = [n for n in ("summary", "impact") if n not in order] + order
        self.order_fields([*order, "authors", "reviewers", "version"])

    def section_label(self, name: str) -> str:
        return str(self.fields[name].label or name)

    def service_data(self) -> dict:
        data = {
            k: v
            for k, v in self.cleaned_data.items()
            if k != "version" and not k.startswith(SECTION_PREFIX)
        }
        data["sections"] = {
            k.removeprefix(SECTION_PREFIX): v or ""
            for k, v in self.cleaned_data.items()
            if k.startswith(SECTION_PREFIX)
        }
        return data


class ReviewForm(NewlinesNormalisedForm, forms.ModelForm):
    body = forms.CharField(
        label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    class Meta:
        model = Review
        fields = ["decision", "body"]
        labels = {"body": "Comment"}
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}


class ReopenForm(NewlinesNormalisedForm, forms.Form):
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
