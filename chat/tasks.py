"""Celery tasks of chat: thin wrappers that take ids and call chat's modules.

Late acks, like every task here: a task whose worker dies is handed out again, and the
claim on the command's row makes running it twice harmless.
"""

import json
from datetime import datetime, timedelta

from celery import Task, shared_task
from django.conf import settings
from django.db import models
from django.utils import timezone

from chat import commands
from chat.errors import ChatError
from chat.models import ChatCommand
from core import deliveries, outgoing

ANSWER_TRIES = 3
# How late a command whose task was lost is still done. Slack takes answers on a
# response_url for 30 minutes; someone who waited longer has likely typed it again.
COMMAND_RECOVERY_WINDOW = timedelta(minutes=30)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_command(*, command_id: int) -> None:
    """Do one /postmortem command once, keep its answer, and send the answer."""
    claimed = ChatCommand.objects.filter(pk=command_id, status=ChatCommand.Status.RECEIVED).update(
        status=ChatCommand.Status.RUNNING
    )
    if not claimed:
        return  # done, or being done, by another run
    command = ChatCommand.objects.select_related("connection__team").filter(pk=command_id).first()
    if command is None:
        return  # the connection was removed meanwhile
    try:
        answer = commands.perform(command)
    except Exception:
        # Still tell the person, rather than leave "Working on it…" as the last word.
        ChatCommand.objects.filter(pk=command_id).update(
            status=ChatCommand.Status.FAILED, answer="Something went wrong; try again."
        )
        post_answer.delay(command_id=command_id)
        raise
    ChatCommand.objects.filter(pk=command_id).update(
        status=ChatCommand.Status.DONE, answer=answer.text, answer_public=answer.public
    )
    post_answer.delay(command_id=command_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=ANSWER_TRIES)
def post_answer(self: Task, *, command_id: int) -> None:
    """Send a command's answer to its response_url; try again a few times if it fails."""
    command = ChatCommand.objects.filter(pk=command_id, answered_at=None).first()
    if command is None or not command.response_url:
        return
    try:
        send_answer(command)
    except ChatError as error:
        if error.transient and self.request.retries < ANSWER_TRIES:
            raise self.retry(countdown=error.retry_after or 2**self.request.retries) from None
        ChatCommand.objects.filter(pk=command_id).update(status=ChatCommand.Status.FAILED)
        return
    ChatCommand.objects.filter(pk=command_id).update(answered_at=timezone.now())


def send_answer(command: ChatCommand) -> None:
    """Post the answer as Slack and Mattermost take a delayed slash command answer."""
    body = {
        "response_type": "in_channel" if command.answer_public else "ephemeral",
        "text": command.answer,
    }
    try:
        _parts, addresses = outgoing.resolve(
            command.response_url, allow_private=settings.CHAT_ALLOW_PRIVATE_ADDRESSES,
            refusal="a command's response_url must be on a public address.",
        )  # fmt: skip
        response = outgoing.pinned_request(
            "POST", command.response_url, address=addresses[0],
            headers={"Content-Type": "application/json"}, data=json.dumps(body),
            timeout=settings.CHAT_TIMEOUT_SECONDS,
        )  # fmt: skip
    except outgoing.RefusedURL as error:
        raise ChatError(str(error)) from None
    except OSError:
        raise ChatError("The chat could not be reached to answer.", transient=True) from None
    if response.status_code == 429 or response.status_code >= 500:
        raise ChatError("The chat did not take the answer.", transient=True)
    if response.status_code >= 400:
        raise ChatError(f"The chat refused the answer ({response.status_code}).")


def nudge_commands(command_ids: list[int]) -> None:
    """Enqueue one run per command; the claim from `received` lets only one of them run."""
    for command_id in command_ids:
        run_command.delay(command_id=command_id)


def _received_since(now: datetime) -> models.QuerySet:
    return ChatCommand.objects.filter(
        status=ChatCommand.Status.RECEIVED, received_at__gte=now - COMMAND_RECOVERY_WINDOW
    )


def owed_commands(now: datetime) -> models.QuerySet:
    """Return the commands still waiting for a worker after their task had time to run.

    Only `received` ones: a command left `running` by a dying worker may have done its
    work already, and doing it again would add a second note.
    """
    waited = now - timedelta(seconds=settings.DELIVERY_RECOVER_AFTER_SECONDS)
    return _received_since(now).filter(received_at__lte=waited)


def overdue_commands(now: datetime) -> models.QuerySet:
    """Return the commands waiting for a worker for longer than the stale limit."""
    return _received_since(now).filter(received_at__lt=deliveries.stale_before(now))


def register_owed_commands() -> None:
    """Let beat's recovery run again the commands whose task the broker lost."""
    deliveries.register_owed(
        deliveries.OwedKind(
            name="chat_command", owed=owed_commands, overdue=overdue_commands,
            nudge=nudge_commands,
        )
    )  # fmt: skip
