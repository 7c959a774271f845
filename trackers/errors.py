"""What a call to a tracker can fail with: a message for people, and what a retry can do."""


class TrackerError(Exception):
    """A call to a tracker failed; the message is for people, `transient` for retries."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
        retry_after: int | None = None,
        location: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient
        self.retry_after = retry_after
        self.location = location  # where a 301 said the thing went; never followed blindly
        # Set once the repository itself was asked after this error (and still answered).
        self.repository_answers = False


class IssueGone(TrackerError):
    """The issue was deleted in its tracker, or moved (then moved_to_key and moved_to_url)."""

    def __init__(
        self, message: str, *, status: int = 410, moved_to_key: str = "", moved_to_url: str = ""
    ) -> None:
        super().__init__(message, status=301 if moved_to_key else status)
        self.moved_to_key = moved_to_key
        self.moved_to_url = moved_to_url
