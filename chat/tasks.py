"""Celery tasks of chat: thin wrappers that take ids and call chat's modules.

Late acks, like every task here: a task whose worker dies is handed out again, and the
claim on the command's row makes running it twice harmless.
"""

import json

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from chat import commands
from chat.errors import ChatError
from chat.models import ChatCommand
from core import outgoing

ANSWER_TRIES = 3


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
