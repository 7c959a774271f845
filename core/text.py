"""Text as people type it: one line ending, whatever the browser or client sent.

Browsers submit a textarea with CRLF line endings (the HTML standard says so); API clients
on Windows may too. Stored Markdown keeps `\\n` only, so diffs, exports, search snippets and
the import of our own exports see one kind of line break.
"""

from typing import Any


def normalise_newlines(text: str) -> str:
    """Return the text with CRLF and lone CR line endings turned into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class NewlinesNormalisedForm:
    """Mix into a Django form before forms.Form/ModelForm: every cleaned string ends lines with LF.

    It acts in clean(), before a ModelForm builds its instance, so the model's own
    validation and the services see the text as it will be stored. A subclass that
    overrides clean() calls super().clean() first, as usual.
    """

    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        data = super().clean()  # type: ignore[misc]
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, str) and "\r" in value:
                self.cleaned_data[name] = normalise_newlines(value)
        return data
