"""The error of a document the importer cannot read."""


class PostmortemImportError(ValueError):
    """The document cannot be read; the message names the line."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)
