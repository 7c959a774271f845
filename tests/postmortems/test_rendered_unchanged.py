"""The two built-in templates render the seed document exactly as the layouts did before
templates existed: the files under samples/rendered/ were made by that code, with one change
to the Google SRE ones: its page used to leave out the closing remarks (they were written,
and exported, but not shown), and now shows them after the action items, where its Markdown
export has always put them. The Markdown export's facts have since named the commander,
authors, reviewers, services and tags too, so that an import brings them back."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from incidents.selectors import incident_for_document
from postmortems.demo import load_demo
from postmortems.exporting.exporters import export_markdown
from postmortems.layouts.builtin_templates import BY_LAYOUT
from postmortems.layouts.sections import ensure_builtin_templates, sync_sections
from tests.factories import UserFactory, write_section

pytestmark = pytest.mark.django_db

RENDERED = Path(__file__).parent / "samples" / "rendered"
TODAY = date(2026, 11, 25)
FULL = ("trigger", "detection", "went_well", "went_wrong", "got_lucky", "unplaced_text")


def _tags(html: str) -> str:
    """Return the HTML with runs of white space made one space and none between tags, and
    the incident's reference (which depends on the tests run before) as INC-n."""
    html = html[html.index("<article") : html.index("</article>") + len("</article>")]
    html = re.sub(r"INC-\d+", "INC-n", html)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip().replace("><", ">\n<")


def _use(incident, layout: str) -> None:
    postmortem = incident.postmortem
    postmortem.template = ensure_builtin_templates()[BY_LAYOUT[layout]]
    postmortem.save()
    sync_sections(postmortem, postmortem.template)


@pytest.fixture
def seed():
    return load_demo(today=TODAY).example


@pytest.mark.parametrize("layout", ["classic", "sre"])
def test_the_seed_document_renders_as_it_did_before_templates(client, seed, layout):
    _use(seed, layout)
    client.force_login(UserFactory())
    body = client.get(reverse("postmortems:document", args=[seed.pk])).content.decode()
    assert _tags(body) == _tags((RENDERED / f"seed-{layout}.html").read_text())


@pytest.mark.parametrize("layout", ["classic", "sre"])
def test_every_built_in_section_renders_as_it_did_before_templates(client, seed, layout):
    _use(seed, layout)
    for key in FULL:
        write_section(seed.postmortem, key, f"Text of *{key}*.")
    client.force_login(UserFactory())
    body = client.get(reverse("postmortems:document", args=[seed.pk])).content.decode()
    assert _tags(body) == _tags((RENDERED / f"full-{layout}.html").read_text())


@pytest.mark.parametrize("name", ["seed", "full"])
def test_the_classic_markdown_export_is_unchanged(seed, name):
    if name == "full":
        for key in FULL:
            write_section(seed.postmortem, key, f"Text of *{key}*.")
    markdown = export_markdown(incident_for_document(None).get(pk=seed.pk))
    assert markdown == (RENDERED / f"{name}-classic.md").read_text()
