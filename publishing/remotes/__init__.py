"""The three ways to a repository: any git remote (dulwich), GitHub's and GitLab's APIs."""

from publishing.models import RepositoryConnection
from publishing.remotes.base import Remote, RemoteError, Written


def remote_for(connection: RepositoryConnection) -> Remote:
    """Return the remote that speaks to the connection's repository."""
    from publishing.remotes.git import GitRemote
    from publishing.remotes.github import GitHubRemote
    from publishing.remotes.gitlab import GitLabRemote

    kinds = {
        RepositoryConnection.Kind.GIT: GitRemote,
        RepositoryConnection.Kind.GITHUB: GitHubRemote,
        RepositoryConnection.Kind.GITLAB: GitLabRemote,
    }
    return kinds[connection.kind](connection)


__all__ = ["Remote", "RemoteError", "Written", "remote_for"]
