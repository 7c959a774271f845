"""Markdown to HTML, then sanitized: the only way user-written text becomes HTML."""

import threading
from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

_EXTENSIONS = ["extra", "sane_lists", "nl2br"]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
    "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
}
# No javascript:, data: or vbscript: URLs: only these schemes, plus relative links.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> SafeString:
    """Return HTML with every tag, attribute and URL scheme not allowed above removed."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)


_converters = threading.local()


def _converter() -> markdown.Markdown:
    """Return this thread's Markdown converter, built once.

    Building one loads and registers every extension: two thirds of the cost of turning a
    paragraph into HTML. A converter is not safe to share between threads, so each has its own.
    """
    converter = getattr(_converters, "converter", None)
    if converter is None:
        converter = markdown.Markdown(extensions=_EXTENSIONS, output_format="html")
        _converters.converter = converter
    return converter


# The same text always gives the same HTML, so a page shown again (an incident page has a
# dozen texts, a document more) reuses what this process made. Bounded: a few megabytes.
@lru_cache(maxsize=2048)
def render_markdown(text: str) -> SafeString:
    """Return user-written Markdown as sanitized HTML, safe to put in a page."""
    converter = _converter()
    try:
        html = converter.convert(text or "")
    finally:
        converter.reset()
    return sanitize_html(html)
