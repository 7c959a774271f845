"""The postmortem as a Confluence page in its storage format (XHTML), and the page's title.

The page follows the document's own sections: the facts, the text of each section, the
timeline and the action items as tables with their times in the incident's zone, and links
back to this app. User text is our sanitized Markdown HTML (postmortems.markdown), parsed
again by lxml and written out as XML: void tags closed, entities as characters or XML's
own, relative links made absolute with SITE_URL, images as links (Confluence shows an
image by a macro, and ours need a sign-in anyway). Characters XML cannot hold are dropped.
"""

import re
from urllib.parse import urljoin

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from lxml import etree
from lxml import html as lxml_html

from incidents.models import Incident
from postmortems.markdown import render_markdown
from postmortems.render import build_document

# Characters XML 1.0 cannot hold, even escaped: C0 controls but tab and newlines, U+FFFE/F.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TITLE_LIMIT = 255


def page_title(incident: Incident) -> str:
    """Return the page's title: unique in a space, as Confluence wants, by the reference."""
    return f"Postmortem {incident.reference}: {incident.title}"[:TITLE_LIMIT]


def absolute(url: str) -> str:
    """Return a link of ours as an absolute URL on SITE_URL (others unchanged)."""
    return urljoin(f"{settings.SITE_URL}/", url)


def html_to_xhtml(fragment: str) -> SafeString:
    """Return sanitized HTML as well-formed XHTML, with links absolute and images as links."""
    fragment = NOT_XML.sub("", fragment or "")
    if not fragment.strip():
        return mark_safe("")
    parts = lxml_html.fragments_fromstring(fragment)
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(escape(part))
            continue
        for link in part.iter("a"):
            if link.get("href"):
                link.set("href", absolute(link.get("href")))
        for image in list(part.iter("img")):
            link = etree.Element("a", href=absolute(image.get("src") or ""))
            link.text = image.get("alt") or image.get("title") or "image"
            link.tail = image.tail
            if image is part:
                part = link
            else:
                image.getparent().replace(image, link)
        out.append(etree.tostring(part, encoding="unicode", method="xml"))
    return mark_safe("".join(out))


def markdown_xhtml(text: str) -> SafeString:
    """Return user-written Markdown as XHTML for the storage format."""
    return html_to_xhtml(render_markdown(text or ""))


def page_body(incident: Incident) -> str:
    """Return the page's body in the storage format; expects incident_for_document()'s rows."""
    document = build_document(incident)
    postmortem = incident.postmortem
    body = render_to_string(
        "confluence/storage_page.xml",
        {
            "document": document,
            "incident": incident,
            "postmortem_url": absolute(postmortem.get_absolute_url()),
            "incident_url": absolute(incident.get_absolute_url()),
            "site_url": settings.SITE_URL,
        },
    )
    return NOT_XML.sub("", body).strip()
