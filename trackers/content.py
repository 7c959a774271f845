"""What an issue made from an action item says: title, body, labels, assignee."""

from django.conf import settings

from incidents.models import ActionItem
from trackers import github_people
from trackers.clients import GitHubClient, JiraClient, adf_document
from trackers.models import TrackerAccount, jira_marker_label, marker_for


def labels_for(item: ActionItem) -> list[str]:
    return ["postmortem", item.kind, item.priority]


def _reference_line(item: ActionItem) -> tuple[str, str]:
    """Return the line naming where the item comes from, and the link back to it.

    A private incident's title stays out: the tracker's audience is wider than the
    incident's, and the link answers 404 to anyone who may not see it.
    """
    incident = item.incident
    link = f"{settings.SITE_URL}{item.get_absolute_url()}"
    if incident.is_private:
        return f"Action item of a private incident, {incident.reference}", link
    return f"Action item of {incident.reference}: {incident.title}", link


def _facts(item: ActionItem) -> str:
    facts = [f"Kind: {item.get_kind_display()}", f"Priority: {item.get_priority_display()}"]
    if item.due_date:
        facts.append(f"Due: {item.due_date.isoformat()}")
    return " · ".join(facts)


def github_body(item: ActionItem) -> str:
    """Return the issue body in GitHub Markdown, ending with the item's marker."""
    line, link = _reference_line(item)
    description = "" if item.incident.is_private else item.description.strip()
    parts = [description] if description else []
    parts += ["---", f"[{line}]({link})", _facts(item), marker_for(item.pk)]
    return "\n\n".join(parts)


def jira_description(item: ActionItem) -> dict:
    line, link = _reference_line(item)
    description = "" if item.incident.is_private else item.description.strip()
    paragraphs = [p for p in description.split("\n\n") if p.strip()] + [_facts(item)]
    return adf_document(paragraphs, link_text=line, link=link)


def _account(item: ActionItem) -> TrackerAccount | None:
    if item.owner is None:
        return None
    return TrackerAccount.objects.filter(user=item.owner).first()


def github_assignee(item: ActionItem, client: GitHubClient) -> github_people.Assignee:
    """Return the owner's GitHub login from their settings, else matched by e-mail."""
    account = _account(item)
    if account and account.github_login:
        return github_people.Assignee(login=account.github_login)
    if item.owner is not None and item.owner.email:
        return github_people.login_for_email(client, item.owner.email)
    return github_people.Assignee()


def jira_account_id(item: ActionItem, client: JiraClient) -> str:
    """Return the owner's Jira account ID from their settings, else found by e-mail."""
    account = _account(item)
    if account and account.jira_account_id:
        return account.jira_account_id
    if item.owner is not None and item.owner.email:
        return client.account_for_email(item.owner.email)
    return ""


def jira_labels(item: ActionItem) -> list[str]:
    return [*labels_for(item), jira_marker_label(item.pk)]
