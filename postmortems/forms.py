"""Forms of the postmortem document: editor, review, template choice and import."""

from datetime import date

from django import forms
from django.utils import timezone
from markdownx.widgets import MarkdownxWidget

from incidents.models import Team, User, validate_time_zone
from postmortems.layouts.sections import (
    NOT_IN_TEMPLATE,
    ensure_builtin_templates,
    import_names,
    templates_for,
)
from postmortems.models import (
    Postmortem,
    PostmortemSection,
    PostmortemTemplate,
    Review,
    SectionKind,
)
from postmortems.services import INCIDENT_NARRATIVE_FIELDS

SECTION_PREFIX = "section_"
WRITTEN = {SectionKind.MARKDOWN, SectionKind.RESOLUTION}


class PostmortemForm(forms.ModelForm):
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


class TemplateChoiceForm(forms.Form):
    """Pick the template a draft is written in, among those its team may use."""

    template = forms.ModelChoiceField(queryset=PostmortemTemplate.objects.none(), empty_label=None)

    def __init__(self, *args, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates_for(team)


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


class CommentForm(forms.Form):
    """A comment or a reply, in Markdown; `@name` mentions someone."""

    body = forms.CharField(
        label="Comment",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write a comment; @name mentions"}),
        error_messages={"required": "Write something before sending the comment."},
    )


class NewThreadForm(CommentForm):
    """A new thread on a section of the document, or on one entry or item in it."""

    section = forms.SlugField(widget=forms.HiddenInput)
    about = forms.ChoiceField(label="About", required=False)

    def __init__(self, *args, section_keys: list[str], anchors: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.section_keys = section_keys
        self.fields["about"].choices = [("", "The whole section"), *anchors]

    def clean_section(self) -> str:
        section = self.cleaned_data["section"]
        if section not in self.section_keys:
            raise forms.ValidationError("That section is not in this document any more.")
        return section
