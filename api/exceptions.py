"""Every error is JSON that says what is wrong; domain refusals become 4xx, never 500."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from incidents.services import StaleVersionError


class PreconditionFailed(Exception):
    """The If-Match version is not the row's version any more."""

    def __init__(self, current_representation: dict, etag: str):
        super().__init__("Someone changed this since the version you sent in If-Match.")
        self.current = current_representation
        self.etag = etag


def api_exception_handler(exc, context):
    if isinstance(exc, PreconditionFailed):
        body = {"detail": str(exc), "current": exc.current}
        return Response(
            body, status=status.HTTP_412_PRECONDITION_FAILED, headers={"ETag": exc.etag}
        )
    if isinstance(exc, StaleVersionError):
        body = {"detail": str(exc)}
        return Response(body, status=status.HTTP_412_PRECONDITION_FAILED)
    if isinstance(exc, DjangoValidationError):
        # A rule of the domain (a published postmortem is read-only, times out of order).
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail)
    return exception_handler(exc, context)
