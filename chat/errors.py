"""What a call to a chat service can fail with: a message for people, and what a retry can do."""


class ChatError(Exception):
    """A call to Slack or Mattermost failed; the message is for people.

    `code` is the service's own name for the error where it gives one (Slack's
    `channel_not_found`), `transient` says whether trying later can help, and
    `retry_after` how many seconds the service asked us to wait.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int | None = None,
        transient: bool = False,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.transient = transient
        self.retry_after = retry_after
