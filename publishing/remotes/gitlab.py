"""GitLab (placeholder)."""

from publishing.remotes.base import Remote


class GitLabRemote(Remote):
    pass
