"""Hypothesis throws random text at whatever turns user input into output or settings.

Extend with the importer, the forms and the filters: each gets a strategy and a property
("never a 500", "never unsanitized HTML").
"""

import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

from config.env import env_bool, env_int, env_list, env_timezone
from postmortems.markdown import render_markdown
from tests.hypothesis_profiles import examples

# Pieces an attacker would combine; hypothesis mixes them with random unicode.
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "![x](data:text/html;base64,PHNjcmlwdD4=)",
    "<svg onload=alert(1)>",
    "<iframe src=//evil>",
    "<style>*{}</style>",
    '<div style="background:url(javascript:alert(1))">',
    "<a href=vbscript:msgbox(1)>v</a>",
    "```\n<script>\n```",
    "<scr<script>ipt>",
    '"><b onmouseover=alert(1)>',
    "<details open ontoggle=alert(1)>",
    "[a]: javascript:alert(1)\n[x][a]",
    "\x00",
    "\u202e",
]

markdown_input = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)), max_size=8
).map("".join)

FORBIDDEN_TAGS = {"script", "iframe", "svg", "style", "object", "embed", "form", "details"}
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Elements(HTMLParser):
    """Collect every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def problems(html: str) -> list[str]:
    """Return what in the HTML could run script: tags, handlers, style, script URLs."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    found = []
    for tag, attrs in parser.found:
        if tag in FORBIDDEN_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                found.append(f"{tag}[{name}]")
            if name in {"href", "src"} and value:
                # Browsers ignore control characters and blanks inside a scheme.
                squeezed = "".join(ch for ch in value if ch > " ").lower()
                if squeezed.startswith(SCRIPT_SCHEMES):
                    found.append(f"{tag}[{name}={value}]")
    return found


@settings(max_examples=examples(300))
@given(markdown_input)
def test_rendered_markdown_never_holds_script_handlers_or_script_urls(text):
    html = str(render_markdown(text))
    assert problems(html) == [], html


@given(st.text())
def test_env_helpers_either_parse_or_name_the_variable(text):
    import os

    for reader in (
        lambda: env_bool("FUZZ_VALUE", False),
        lambda: env_int("FUZZ_VALUE", 0),
        lambda: env_list("FUZZ_VALUE", []),
        lambda: env_timezone("FUZZ_VALUE", "UTC"),
    ):
        if "\x00" in text:
            return  # the environment cannot hold NUL characters
        os.environ["FUZZ_VALUE"] = text
        try:
            reader()
        except ImproperlyConfigured as error:
            assert "FUZZ_VALUE" in str(error)
        finally:
            del os.environ["FUZZ_VALUE"]


@pytest.mark.parametrize("text", HOSTILE)
def test_each_hostile_piece_alone_renders_harmless(text):
    html = str(render_markdown(text))
    assert problems(html) == [], html


def test_the_checker_itself_sees_what_it_looks_for():
    assert problems('<a href=" JaVa\tscript:x">x</a><p onclick="x" style="y">') == [
        "a[href= JaVa\tscript:x]",
        "p[onclick]",
        "p[style]",
    ]


@given(st.timedeltas())
def test_duration_filter_shows_any_timedelta_as_text(value):
    from postmortems.templatetags.postmortem_tags import duration

    shown = duration(value)
    if value.total_seconds() < 0:
        assert shown == "—"
    else:
        assert re.fullmatch(r"\d+ (day|hour|minute)s?( \d+ (hour|minute)s?)*", shown), shown
