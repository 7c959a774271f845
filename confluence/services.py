"""Writes of Confluence: connections, owing a page (or its withdrawal), what pages show."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from confluence import tasks
from confluence.client import ConfluenceClient, ConfluenceError
from confluence.models import ConfluenceConnection, ConfluenceDelivery, ConfluencePage
from core.models import Delivery
from incidents.models import Incident, User
from incidents.permissions import can_edit_incident
from postmortems.models import Postmortem

OWED = (Delivery.Status.PENDING, Delivery.Status.SENDING)


class NotPublishable(Exception):
    """The postmortem cannot go to Confluence; the message says why, for people."""


@sensitive_variables("token")
def connection_save(
    *, connection: ConfluenceConnection, token: str, actor: User
) -> ConfluenceConnection:
    """Save a connection with its token encrypted; an empty token keeps the saved one.

    A changed site or space is looked up again; pages already made stay where they are
    and are updated there.
    """
    if token:
        connection.set_token(token)
    if not connection.token_encrypted:
        raise ValidationError({"token": "Enter the API token."})
    if connection.pk is None:
        connection.created_by = actor
    else:
        before = ConfluenceConnection.objects.filter(pk=connection.pk).first()
        if before and (before.site_url, before.space_key) != (
            connection.site_url, connection.space_key,
        ):  # fmt: skip
            connection.space_id = ""
    connection.full_clean()
    connection.save()
    return connection


def connection_check(*, connection: ConfluenceConnection) -> tuple[bool, str]:
    """Ask Confluence whether the account, space and parent page work; keep the answer."""
    try:
        space_id, message = ConfluenceClient(connection).check()
        ok = True
    except ConfluenceError as error:
        space_id, ok, message = connection.space_id, False, str(error)
    connection.space_id = space_id
    connection.last_checked_at, connection.last_check_ok = timezone.now(), ok
    connection.last_check_message = message[:500]
    ConfluenceConnection.objects.filter(pk=connection.pk).update(
        space_id=space_id,
        last_checked_at=connection.last_checked_at,
        last_check_ok=ok,
        last_check_message=connection.last_check_message,
    )
    return ok, message


def connection_for(incident: Incident) -> ConfluenceConnection | None:
    if incident.team_id is None:
        return None
    return ConfluenceConnection.objects.filter(team_id=incident.team_id).first()


def _owe(
    *, postmortem: Postmortem, connection: ConfluenceConnection, action: str, actor: User | None
) -> ConfluenceDelivery:
    """Owe one delivery; one already owed for the postmortem and action is returned instead."""
    owed = ConfluenceDelivery.objects.filter(postmortem=postmortem, action=action, status__in=OWED)
    row = owed.first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            row = ConfluenceDelivery.objects.create(
                postmortem=postmortem, connection=connection, action=action, requested_by=actor
            )
    except IntegrityError:  # made by a concurrent request a moment ago
        return owed.get()
    tasks.nudge_after_commit([row.pk])
    return row


def publish_request(*, incident: Incident, actor: User | None) -> ConfluenceDelivery:
    """Owe the incident's published postmortem a page in its team's Confluence space.

    Private incidents never go to Confluence: its readers are not the incident's.
    """
    postmortem = getattr(incident, "postmortem", None)
    if postmortem is None or not postmortem.is_published:
        raise NotPublishable("Only a published postmortem goes to Confluence.")
    if incident.is_private:
        raise NotPublishable("Postmortems of private incidents are never published to Confluence.")
    connection = connection_for(incident)
    if connection is None:
        raise NotPublishable(
            f"{incident.team or 'The incident'} has no Confluence space connected."
        )
    return _owe(
        postmortem=postmortem, connection=connection,
        action=ConfluenceDelivery.Action.PUBLISH, actor=actor,
    )  # fmt: skip


def withdraw_request(*, postmortem: Postmortem) -> ConfluenceDelivery | None:
    """Owe the deletion of the postmortem's Confluence page, when it has one."""
    page = ConfluencePage.objects.filter(postmortem=postmortem).select_related("connection").first()
    if page is None or not page.is_live:
        return None
    return _owe(
        postmortem=postmortem, connection=page.connection,
        action=ConfluenceDelivery.Action.WITHDRAW, actor=None,
    )  # fmt: skip


def recent_deliveries(connection: ConfluenceConnection, limit: int = 20) -> list:
    """Return the connection's latest deliveries, with the incident each names."""
    return list(
        connection.deliveries.select_related("postmortem__incident").order_by("-created_at", "-id")[
            :limit
        ]
    )


def page_tools(*, user: User, incident: Incident) -> dict:
    """Return what the postmortem page shows of Confluence: the page's link, the button."""
    postmortem = getattr(incident, "postmortem", None)
    if postmortem is None or incident.team_id is None:
        return {"page": None, "can_publish": False}
    page = ConfluencePage.objects.filter(postmortem=postmortem, withdrawn_at__isnull=True).first()
    can_publish = (
        postmortem.is_published
        and not incident.is_private
        and can_edit_incident(user, incident)
        and ConfluenceConnection.objects.filter(team_id=incident.team_id).exists()
    )
    return {
        "page": page if page and page.url else None,
        "can_publish": can_publish,
        "incident": incident,
    }
