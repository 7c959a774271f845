"""Snippets as safe HTML: the text is escaped first, then the matches are marked.

PostgreSQL's ts_headline and the SQLite fallback both put START and STOP around matches;
`marked` escapes everything else and turns only balanced pairs into <mark>, so a user who
types these characters themselves gets no tag out of them.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Private-use characters: never printed, so they cannot clash with what people write
# (and when they do, they are dropped, see marked()).
START, STOP = "\ue000", "\ue001"
_PIECES = re.compile(f"([{START}{STOP}])")
EXCERPT_CHARS = 160


def marked(text: str) -> SafeString:
    """Return the text escaped, with each START…STOP pair as <mark>…</mark>."""
    out: list[str] = []
    inside = False
    for piece in _PIECES.split(text):
        if piece == START:
            if not inside:
                out.append("<mark>")
                inside = True
        elif piece == STOP:
            if inside:
                out.append("</mark>")
                inside = False
        else:
            out.append(escape(piece))
    if inside:
        out.append("</mark>")
    # Safe: every piece of text went through escape(); only our own tags are added.
    return mark_safe("".join(out))


_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LINE_MARK = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|(?:[-*+]|\d+[.)])[ \t]+(?:\[[ xX]\][ \t]+)?)",
    re.MULTILINE,
)
_STRONG = re.compile(r"\*\*|__|~~|`")
# A lone * or _ around words (emphasis), not inside snake_case or 2*3.
_EMPHASIS = re.compile(r"(?<![\w*])[*_](?=[^\s*_])|(?<=[^\s*_])[*_](?![\w*])")


def plain_text(markdown: str) -> str:
    """Return Markdown as the words a reader sees: no emphasis marks, list numbers,
    heading hashes, quote marks or link targets, and one line.

    For snippets: ts_headline and the fallback cut the stored Markdown, whose marks would
    otherwise show as `**word**` and `1.` in the results. The START/STOP marks survive.
    """
    text = _IMAGE_OR_LINK.sub(r"\1", markdown)
    text = _LINE_MARK.sub("", text)
    text = _STRONG.sub("", text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.split())


def has_match(text: str) -> bool:
    """Return True when a headline marks a match."""
    return START in text


def mark_words(text: str, words: list[str], *, excerpt: bool = True) -> str | None:
    """Return the text with START/STOP around each word (any case), or None if none occurs.

    With excerpt, cut to about EXCERPT_CHARS around the first match (the SQLite fallback).
    """
    text = text.replace(START, "").replace(STOP, "")
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    first = pattern.search(text)
    if first is None:
        return None
    if excerpt and len(text) > EXCERPT_CHARS:
        begin = max(0, first.start() - EXCERPT_CHARS // 3)
        end = begin + EXCERPT_CHARS
        text = ("…" if begin else "") + text[begin:end] + ("…" if end < len(text) else "")
    return pattern.sub(lambda found: f"{START}{found.group(0)}{STOP}", text)
