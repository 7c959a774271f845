"""User text that must never run as script wherever the app shows it."""

from html.parser import HTMLParser

XSS_PAYLOADS = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=\"alert('xss-onerror')\">",
    "[click me](javascript:alert('xss-js-link'))",
    "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"javascript:alert('xss-raw-link')\">raw link</a>",
    "![img](javascript:alert('xss-img'))",
    "<div onmouseover=\"alert('xss-div')\">hover</div>",
    "<iframe src=\"javascript:alert('xss-iframe')\"></iframe>",
    "<svg onload=\"alert('xss-svg')\"></svg>",
    "<style>body{background:url(javascript:alert('xss-style'))}</style>",
    "<a href=\"JaVaScRiPt:alert('xss-case')\">case</a>",
    "<a href=\"&#106;avascript:alert('xss-entity')\">entity</a>",
]

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "base"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")


class _LiveScriptFinder(HTMLParser):
    """Collect the markup a browser would act on: tags and attributes, not escaped text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            url = "".join((value or "").split()).lower()
            if name in URL_ATTRIBUTES and url.startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")
        # The app draws its own charts and legend swatches as SVG; user text never does.
        our_svg = tag == "svg" and (("role", "img") in attrs or ("aria-hidden", "true") in attrs)
        # ...and loads its own scripts from its static files, never inline.
        our_script = tag == "script" and (dict(attrs).get("src") or "").startswith("/static/")
        if tag in DANGEROUS_TAGS and not (our_svg or our_script):
            self.problems.append(f"<{tag}>")

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script" and data.strip():
            self.problems.append("<script> with content")


def assert_no_live_script(html: str) -> None:
    """Fail when the HTML holds a script, an event handler or a script URL."""
    finder = _LiveScriptFinder()
    finder.feed(html)
    assert finder.problems == [], finder.problems
