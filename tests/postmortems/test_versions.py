"""Publishing freezes a version; versions are listed, shown, compared and exported."""

import json

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from incidents.models import User
from postmortems import services
from postmortems.collaboration.versions import Line, _pair_changed_lines
from postmortems.models import Postmortem, PublishedVersion
from tests.factories import ActionItemFactory, IncidentFactory, PostmortemFactory, UserFactory

pytestmark = pytest.mark.django_db


def _publish(postmortem: Postmortem, reviewer: User) -> None:
    postmortem.refresh_from_db()
    if postmortem.status == Postmortem.Status.DRAFT:
        services.postmortem_submit_for_review(postmortem=postmortem, actor=reviewer)
    services.postmortem_review(postmortem=postmortem, actor=reviewer, decision="approve")
    postmortem.refresh_from_db()
    services.postmortem_publish(postmortem=postmortem, actor=reviewer)


def _edit(postmortem: Postmortem, actor: User, **data) -> None:
    postmortem.refresh_from_db()
    services.postmortem_update(
        postmortem=postmortem,
        actor=actor,
        data={
            **{k: v for k, v in data.items() if k in ("summary", "impact")},
            "sections": {k: v for k, v in data.items() if k not in ("summary", "impact")},
        },
        expected_version=postmortem.version,
    )


@pytest.fixture
def published():
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    postmortem = PostmortemFactory(
        reviewers=[bob],
        incident__summary="The first summary.",
        sections={"trigger": "A deploy."},
    )
    _publish(postmortem, bob)
    postmortem.refresh_from_db()
    return postmortem, bob


def test_publishing_freezes_the_document_as_version_one(published):
    postmortem, bob = published
    version = postmortem.versions.get()
    assert version.number == 1 and version.published_by == bob
    assert "The first summary." in version.html
    assert version.data["incident"]["summary"] == "The first summary."
    assert "The first summary." in version.markdown and version.frozen_at


def test_reopen_edit_and_publish_again_makes_v2_and_v1_stays_as_it_was(client, published):
    postmortem, bob = published
    services.postmortem_reopen(postmortem=postmortem, actor=bob, reason="new findings")
    _edit(postmortem, bob, summary="The second summary.")
    _publish(postmortem, bob)
    assert list(postmortem.versions.values_list("number", flat=True)) == [2, 1]

    client.force_login(UserFactory())
    v1 = client.get(reverse("postmortems:version", args=[postmortem.incident_id, 1])).content
    assert b"The first summary." in v1 and b"The second summary." not in v1
    page = client.get(reverse("postmortems:document", args=[postmortem.incident_id])).content
    assert b"The second summary." in page
    assert b"v2</a>, published" in page and b"by Bob Builder" in page


def test_diff_shows_changed_sections_and_added_action_items(client, published):
    postmortem, bob = published
    services.postmortem_reopen(postmortem=postmortem, actor=bob)
    _edit(postmortem, bob, trigger="A config push.", detection="An alert fired.")
    ActionItemFactory(incident=postmortem.incident, title="Add a canary stage")
    _publish(postmortem, bob)

    client.force_login(UserFactory())
    page = client.get(
        reverse("postmortems:version_diff", args=[postmortem.incident_id, 1, 2])
    ).content.decode()
    # The line that changed is shown once removed and once added, its changed words marked.
    assert '<del class="diff-word">deploy</del>' in page
    assert '<ins class="diff-word">config push</ins>' in page
    assert '<span class="diff-same">A </span>' in page
    assert "Detection" in page and "Added" in page
    assert "Add a canary stage" in page


def test_exports_name_the_version(client, published):
    postmortem, _ = published
    client.force_login(UserFactory())
    response = client.get(reverse("postmortems:export", args=[postmortem.incident_id, "json"]))
    assert "postmortem-v1.json" in response["Content-Disposition"]
    assert json.loads(response.content)["published_version"] == 1
    frozen = client.get(
        reverse("postmortems:version_export", args=[postmortem.incident_id, 1, "md"])
    )
    assert "postmortem-v1.md" in frozen["Content-Disposition"]
    assert b"The first summary." in frozen.content


def test_a_draft_exports_without_a_version_name(client):
    postmortem = PostmortemFactory()
    client.force_login(UserFactory())
    response = client.get(reverse("postmortems:export", args=[postmortem.incident_id, "md"]))
    assert response["Content-Disposition"].endswith('-postmortem.md"')


def test_a_version_made_by_the_migration_is_frozen_before_reopening(published):
    postmortem, bob = published
    # As the migration leaves a postmortem published before versions existed.
    postmortem.versions.update(html="", markdown="", data={}, frozen_at=None)
    services.postmortem_reopen(postmortem=postmortem, actor=bob)
    _edit(postmortem, bob, summary="Rewritten after reopening.")
    version = postmortem.versions.get()
    assert "The first summary." in version.html and version.frozen_at


def test_versions_of_a_private_incident_are_not_found_for_an_outsider(client):
    reviewer = UserFactory()
    incident = IncidentFactory(is_private=True, allowed_users=[reviewer])
    postmortem = PostmortemFactory(incident=incident, reviewers=[reviewer])
    _publish(postmortem, reviewer)
    client.force_login(UserFactory())
    for url in (
        reverse("postmortems:version", args=[incident.pk, 1]),
        reverse("postmortems:version_export", args=[incident.pk, 1, "json"]),
        reverse("postmortems:version_diff", args=[incident.pk, 1, 1]),
    ):
        assert client.get(url).status_code == 404


def test_the_document_page_queries_do_not_grow_with_versions(
    client, published, django_assert_max_num_queries
):
    postmortem, bob = published
    client.force_login(bob)
    url = reverse("postmortems:document", args=[postmortem.incident_id])
    with django_assert_max_num_queries(30) as one:
        client.get(url)
    for _ in range(5):
        services.postmortem_reopen(postmortem=postmortem, actor=bob)
        _publish(postmortem, bob)
    assert PublishedVersion.objects.count() == 6
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert b"v6</a>" in client.get(url).content


def test_any_two_versions_can_be_compared_in_either_order(client, published):
    postmortem, bob = published
    for summary in ("The second summary.", "The third summary."):
        services.postmortem_reopen(postmortem=postmortem, actor=bob)
        _edit(postmortem, bob, summary=summary)
        _publish(postmortem, bob)
    pk = postmortem.incident_id
    client.force_login(UserFactory())
    document = client.get(reverse("postmortems:document", args=[pk])).content.decode()
    assert reverse("postmortems:version_compare", args=[pk]) in document
    response = client.get(reverse("postmortems:version_compare", args=[pk]), {"old": 3, "new": 1})
    assert response.url == reverse("postmortems:version_diff", args=[pk, 1, 3])
    page = client.get(response.url).content.decode()
    assert '<del class="diff-word">first</del>' in page
    assert '<ins class="diff-word">third</ins>' in page
    assert '<option value="1" selected>v1</option>' in page  # the form shows this pair
    same = client.get(reverse("postmortems:version_compare", args=[pk]), {"old": 2, "new": 2})
    assert same.url == reverse("postmortems:document", args=[pk])


def test_word_diff_escapes_what_people_wrote():
    lines = [Line("removed", "Run <i>x</i> now"), Line("added", "Run <b>y</b> now")]
    _pair_changed_lines(lines)
    assert ("added", "y") in lines[1].words
    html = render_to_string("postmortems/_diff_words.html", {"line": lines[1]})
    assert "<b>" not in html and "&lt;/" in html
