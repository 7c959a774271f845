"""GitHub (placeholder)."""

from publishing.remotes.base import Remote


class GitHubRemote(Remote):
    pass
