"""A team's repository of postmortems, the files in it, what is owed to it and what came back."""

import hashlib

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core import crypto
from core.models import Delivery
from incidents.models import Incident, Team
from postmortems.models import Postmortem, PublishedVersion

REPOSITORY = RegexValidator(
    r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$",
    "Give the repository as owner/name (GitLab: group/subgroup/name), e.g. acme/postmortems.",
)
FOLDER = RegexValidator(
    r"^([A-Za-z0-9_. -]+(/[A-Za-z0-9_. -]+)*)?$",
    "Give the folder as a path inside the repository, e.g. postmortems (empty for the top).",
)
BRANCH = RegexValidator(r"^[A-Za-z0-9_./-]+$", "Give a branch name, e.g. main.")


def blob_sha(text: str) -> str:
    """Return the git blob id of the text as UTF-8: what git, GitHub and GitLab call it."""
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class RepositoryConnection(models.Model):
    """A folder of Markdown postmortems in a team's git repository, kept in step both ways.

    The token (or password) and the webhook secret are stored encrypted as tracker secrets
    are (trackers.crypto, TRACKER_ENCRYPTION_KEYS), and never shown again once saved.
    """

    class Kind(models.TextChoices):
        GIT = "git", "Any git remote (HTTPS or SSH)"
        GITHUB = "github", "GitHub"
        GITLAB = "gitlab", "GitLab"

    class Mode(models.TextChoices):
        PULL_REQUEST = "pull_request", "A branch with a pull request"
        DIRECT = "direct", "A commit on the branch itself"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="repositories")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GIT)
    remote_url = models.CharField(
        "remote URL",
        max_length=500,
        blank=True,
        help_text="For any git remote: https://git.example.com/acme/postmortems.git or "
        "ssh://git@git.example.com/acme/postmortems.git.",
    )
    repository = models.CharField(max_length=200, blank=True, validators=[REPOSITORY])
    api_url = models.URLField(
        "API URL",
        max_length=300,
        blank=True,
        help_text="Empty for github.com or gitlab.com; the base of GitHub Enterprise "
        "(https://github.example.com/api/v3) or of a GitLab (https://gitlab.example.com).",
    )
    branch = models.CharField(max_length=100, default="main", validators=[BRANCH])
    folder = models.CharField(max_length=200, blank=True, validators=[FOLDER])
    mode = models.CharField(
        "how a publication is written",
        max_length=20,
        choices=Mode.choices,
        default=Mode.DIRECT,
    )
    username = models.CharField(
        max_length=100, blank=True, help_text="For HTTPS remotes that want a user name."
    )
    token_encrypted = models.TextField(editable=False, blank=True)
    ssh_key_encrypted = models.TextField(editable=False, blank=True)
    webhook_secret_encrypted = models.TextField(editable=False, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name", "pk"]

    def __str__(self) -> str:
        return f"{self.team}: {self.target}"

    def get_absolute_url(self) -> str:
        return reverse("publishing:detail", args=[self.pk])

    @property
    def target(self) -> str:
        """Return where the postmortems live: 'acme/postmortems: docs/' or a remote URL."""
        where = self.remote_url if self.kind == self.Kind.GIT else self.repository
        return f"{where}: {self.folder or '/'}"

    @property
    def opens_pull_requests(self) -> bool:
        """Return True when publishing asks for a review: a branch and a pull request.

        A plain git remote has no API for pull requests: it gets the branch, and the page
        says to open the request on the host.
        """
        return self.mode == self.Mode.PULL_REQUEST

    @property
    def token(self) -> str:
        return crypto.decrypt(self.token_encrypted)

    def set_token(self, token: str) -> None:
        self.token_encrypted = crypto.encrypt(token)

    @property
    def ssh_key(self) -> str:
        return crypto.decrypt(self.ssh_key_encrypted)

    def set_ssh_key(self, key: str) -> None:
        self.ssh_key_encrypted = crypto.encrypt(key)

    @property
    def webhook_secret(self) -> str:
        return crypto.decrypt(self.webhook_secret_encrypted)

    def set_webhook_secret(self, secret: str) -> None:
        self.webhook_secret_encrypted = crypto.encrypt(secret)

    def path_for(self, name: str) -> str:
        """Return the path in the repository of a file of this name in the folder."""
        folder = self.folder.strip("/")
        return f"{folder}/{name}" if folder else name


class RepositoryFile(models.Model):
    """The file an incident's postmortem lives in, and what both sides last agreed it said.

    synced_blob is the git blob id of the file as last imported or published: a file in
    the repository with another id has changed there. synced_export is our Markdown export
    of the postmortem at that moment: an export that differs now has changed here.
    """

    connection = models.ForeignKey(
        RepositoryConnection, on_delete=models.CASCADE, related_name="files"
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=500)
    synced_blob = models.CharField(max_length=64, blank=True)
    synced_export = models.TextField(blank=True)
    # Every blob id either side agreed on or decided about: a branch that still shows an
    # older one (a pull request not merged yet) is not a change to take in.
    known_blobs = models.JSONField(default=list, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "path"], name="publishing_file_path"),
            models.UniqueConstraint(
                fields=["connection", "incident"], name="publishing_file_incident"
            ),
        ]

    def __str__(self) -> str:
        return self.path

    def agree_on(self, blob: str, export: str) -> None:
        """Remember that both sides now say the same: the file's blob and our export."""
        self.synced_blob = blob
        self.synced_export = export
        self.synced_at = timezone.now()
        if blob not in self.known_blobs:
            self.known_blobs = [*self.known_blobs, blob][-50:]


class ImportRun(models.Model):
    """One reading of every Markdown file in the folder: what became of each file.

    results holds one entry per file: path, outcome (imported, known, failed), the
    incident's reference, the importer's warnings and the reason a file was refused.
    """

    connection = models.ForeignKey(
        RepositoryConnection, on_delete=models.CASCADE, related_name="import_runs"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    commit = models.CharField(max_length=64, blank=True)
    results = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"import of {self.connection_id} at {self.started_at:%Y-%m-%d %H:%M}"

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.get("outcome") == outcome)


class PublishDelivery(Delivery):
    """A published version owed to the repository: written once, whatever happens.

    One row per connection and version. A try after the first finds its earlier work by the
    version's branch name and the file's blob id, so a worker that died after pushing never
    commits twice nor opens a second pull request.
    """

    connection = models.ForeignKey(
        RepositoryConnection, on_delete=models.CASCADE, related_name="deliveries"
    )
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(PublishedVersion, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    path = models.CharField(max_length=500, blank=True)
    branch = models.CharField(max_length=200, blank=True)
    commit = models.CharField(max_length=64, blank=True)
    pull_request_url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="publishing_owed_idx")]
        constraints = [
            models.UniqueConstraint(fields=["connection", "version"], name="publishing_once")
        ]

    def __str__(self) -> str:
        return f"v{self.version_id} to {self.connection_id}: {self.status}"


class IncomingRevision(models.Model):
    """A change to a postmortem's file merged in the repository, waiting for its authors.

    Never applied by itself: an author accepts it (it becomes the draft) or rejects it (the
    next publication writes ours over it). A conflict is a change made on both sides since
    they last agreed: the page shows both versions side by side.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the authors"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Replaced by a later change"

    file = models.ForeignKey(RepositoryFile, on_delete=models.CASCADE, related_name="revisions")
    blob = models.CharField(max_length=64)
    commit = models.CharField(max_length=64, blank=True)
    markdown = models.TextField()
    here_markdown = models.TextField(blank=True, help_text="Our export when it arrived.")
    is_conflict = models.BooleanField(default=False)
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, help_text="Why the file does not read as a postmortem.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["file", "blob"], name="publishing_revision_once")
        ]

    def __str__(self) -> str:
        return f"{self.file}: {self.blob[:8]} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("publishing:revision", args=[self.pk])
