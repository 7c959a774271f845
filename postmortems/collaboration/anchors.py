"""The sections of a rendered postmortem, as the layouts define them, each with a stable key.

Comment threads are anchored to a section by key. The keys come from the rendered document,
not from a list in the code, so a layout (or a template-defined one) brings its own: an
element with `data-section="key"` names its section; otherwise each `<h2>` starts one, keyed
by its text (`Root Cause:` is `root-cause`).
"""

import re
from dataclasses import dataclass
from html import unescape

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from postmortems.render import PostmortemDocument

_EXPLICIT = re.compile(r"<(?P<tag>section|div|h2)\b[^>]*\bdata-section=\"(?P<key>[\w-]+)\"")
_H2 = re.compile(r"<h2\b[^>]*>(?P<title>.*?)</h2>", re.S)
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Section:
    key: str
    title: str
    html: SafeString


def render_document_html(document: PostmortemDocument) -> str:
    """Return the document's body as its layout renders it."""
    return render_to_string("postmortems/_frozen_document.html", {"document": document})


def _title(html: str) -> str:
    return " ".join(unescape(_TAGS.sub("", html)).split()).rstrip(":")


def split_sections(html: str) -> list[Section]:
    """Cut the rendered document into sections at each marked element or `<h2>`.

    What comes before the first section (the title) is a section with the key `top`. A key
    seen twice gets a number (`lessons-2`), so every key is unique in the document.
    """
    explicit = list(_EXPLICIT.finditer(html))
    starts = (
        [(m.start(), m["key"]) for m in explicit]
        if explicit
        else [(m.start(), slugify(_title(m["title"])) or "section") for m in _H2.finditer(html)]
    )
    sections: list[Section] = []
    seen: dict[str, int] = {}
    bounds = [(0, "top"), *starts] if not starts or starts[0][0] > 0 else starts
    for index, (start, key) in enumerate(bounds):
        end = bounds[index + 1][0] if index + 1 < len(bounds) else len(html)
        chunk = html[start:end]
        seen[key] = seen.get(key, 0) + 1
        unique = key if seen[key] == 1 else f"{key}-{seen[key]}"
        heading = _H2.search(chunk)
        title = _title(heading["title"]) if heading else ""
        # The chunk is the layout's own output of sanitized Markdown, cut between elements.
        sections.append(
            Section(unique, title or unique.replace("-", " ").capitalize(), mark_safe(chunk))
        )
    return [s for s in sections if s.key != "top" or s.html.strip()]


def section_keys(document: PostmortemDocument) -> list[str]:
    """Return the keys of the document's sections, in order."""
    return [s.key for s in split_sections(render_document_html(document)) if s.key != "top"]
