"""Forms of comment threads: a comment or reply, and a new thread on a section."""

from django import forms

from core.text import NewlinesNormalisedForm


class CommentForm(NewlinesNormalisedForm, forms.Form):
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
