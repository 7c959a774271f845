"""The mail a local run caught: what Django's file-based e-mail backend wrote, newest first.

Only with DEBUG, only for superusers, and only when mail goes to files (make run's
default). Everyone else gets a 404, so a deployed site does not even show the page exists.
"""

import email
import email.policy
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# The file-based backend writes each message's bytes followed by a line of 79 dashes.
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
SHOWN = 100


@dataclass(frozen=True)
class CaughtMail:
    subject: str
    sender: str
    recipients: str
    sent_at: datetime | None
    text: str
    html: str
    file: str


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return ""
    return part.get_content()


def _parse(raw: bytes, file: str) -> CaughtMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        sent_at = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        sent_at = None
    recipients = ", ".join(str(message[name]) for name in ("To", "Cc", "Bcc") if message[name])
    return CaughtMail(
        subject=str(message["Subject"] or ""),
        sender=str(message["From"] or ""),
        recipients=recipients,
        sent_at=sent_at,
        text=_body(message, "plain"),
        html=_body(message, "html"),
        file=file,
    )


def caught_mail(folder: Path, limit: int = SHOWN) -> list[CaughtMail]:
    """Return the newest messages in the backend's folder, newest first."""
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime, reverse=True)
    found: list[CaughtMail] = []
    for path in files:
        # One file per connection; a connection that sent several holds them oldest first.
        chunks = [chunk for chunk in path.read_bytes().split(SEPARATOR) if chunk.strip()]
        found.extend(_parse(chunk, path.name) for chunk in reversed(chunks))
        if len(found) >= limit:
            break
    oldest = datetime.min.replace(tzinfo=UTC)
    found.sort(key=lambda mail: mail.sent_at or oldest, reverse=True)
    return found[:limit]


def mail_is_caught() -> bool:
    """Return True when this is a local run whose mail goes to files."""
    return settings.DEBUG and settings.EMAIL_BACKEND == settings.FILE_EMAIL_BACKEND


# No login redirect: without DEBUG, or for anyone but a superuser, the page does not exist.
@login_not_required
@require_safe
@never_cache
def mail_list(request: HttpRequest) -> HttpResponse:
    """List the mail a local run caught, with each message's text and HTML."""
    if not (mail_is_caught() and request.user.is_authenticated and request.user.is_superuser):
        raise Http404("No such page.")
    folder = Path(settings.EMAIL_FILE_PATH)
    return render(
        request, "dev/mail.html", {"messages_caught": caught_mail(folder), "folder": folder}
    )


def dev_mail_link(request: HttpRequest) -> dict[str, bool]:
    """Context processor: tell the menu whether to offer the caught mail to this user."""
    user = getattr(request, "user", None)
    return {
        "show_dev_mail": bool(user and user.is_authenticated and user.is_superuser)
        and mail_is_caught()
    }
