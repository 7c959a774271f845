"""The review transitions of a postmortem: who may make each, and the service that makes it.

The review page (postmortems.views) and the API (api.views) both read this table, so a
transition asks the same permission question and calls the same service wherever it is
asked for. Each view raises its own 403 with the refusal: the page Django's, the API DRF's
(DRF turns Django's PermissionDenied into its own without the message).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from incidents.models import User
from postmortems import services
from postmortems.models import Postmortem
from postmortems.permissions import can_change_status, can_review

CHANGE_STATUS_REFUSAL = "You may not change the status of this postmortem."
REVIEW_REFUSAL = "Only the named reviewers and managers may review this."


@dataclass(frozen=True)
class Transition:
    allowed: Callable[[User, Postmortem], bool]
    # Called with postmortem=, actor= and the transition's own values (reason=, decision=…).
    service: Callable[..., Any]
    refusal: str  # the API's 403
    page_refusal: str  # the review page's 403
    done: str  # what the review page says once it is made

    def make(self, *, postmortem: Postmortem, actor: User, **values: Any) -> Any:
        """Make the transition; the service raises ValidationError when the state forbids it."""
        return self.service(postmortem=postmortem, actor=actor, **values)


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        allowed=can_change_status,
        service=services.postmortem_submit_for_review,
        refusal=CHANGE_STATUS_REFUSAL,
        page_refusal=CHANGE_STATUS_REFUSAL,
        done="Submitted for review.",
    ),
    # Approve, request changes or comment: a reviewer's decision.
    "review": Transition(
        allowed=can_review,
        service=services.postmortem_review,
        refusal=REVIEW_REFUSAL,
        page_refusal=REVIEW_REFUSAL,
        done="Review recorded.",
    ),
    "publish": Transition(
        allowed=can_review,
        service=services.postmortem_publish,
        refusal="Only the named reviewers and managers may publish this.",
        # The page has always given the general refusal here; kept as it was.
        page_refusal=CHANGE_STATUS_REFUSAL,
        done="Published.",
    ),
    "reopen": Transition(
        allowed=can_change_status,
        service=services.postmortem_reopen,
        refusal=CHANGE_STATUS_REFUSAL,
        page_refusal=CHANGE_STATUS_REFUSAL,
        done="Reopened as a draft.",
    ),
}
