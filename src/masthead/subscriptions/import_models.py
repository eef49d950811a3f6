"""A CSV import of subscribers: the uploaded file, its preview, its progress and what it skipped."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.publications.models import Publication


class ImportState(models.TextChoices):
    PREVIEW = "preview", "Waiting for confirmation"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Finished"
    FAILED = "failed", "Stopped by an error"


class ProblemKind(models.TextChoices):
    INVALID = "invalid", "Invalid"
    DUPLICATE = "duplicate", "Duplicate in the file"
    EXISTING = "existing", "Already on the list"
    # Bounced, complained, never confirmed or of a status we do not know, at the source.
    EXCLUDED = "excluded", "Left out because of their status"


class ImportJob(models.Model):
    """One uploaded CSV file, from preview to the end of its import.

    The file is kept, re-encoded as UTF-8, under PRIVATE_FILES_DIR/imports/ (never served) until the import finishes,
    so a worker restarted mid-import reads it again and resumes after `processed_rows`.
    """

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255, blank=True)
    # Relative to PRIVATE_FILES_DIR; emptied once the import is over and the file deleted.
    stored_path = models.CharField(max_length=255, blank=True)
    delimiter = models.CharField(max_length=1, default=",")
    # Which column means what, as the preview showed it (importing.columns.Columns.to_json):
    # the import reads the file with exactly this. Empty for jobs made before it existed.
    mapping = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=10, choices=ImportState.choices, default=ImportState.PREVIEW
    )
    # What the preview found (non-blank data rows).
    total_rows = models.PositiveIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    # Of the new ones, those the file says unsubscribed: kept on file, never mailed.
    unsubscribed_count = models.PositiveIntegerField(default=0)
    existing_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0)
    excluded_count = models.PositiveIntegerField(default=0)
    # The first few problem rows of each kind, as {kind: [{"row", "email", "reason"}, ...]}.
    preview_problems = models.JSONField(default=dict, blank=True)
    # Progress of the import itself: rows up to processed_rows are committed.
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Renewed after every batch: a running job whose heartbeat is old was abandoned by its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["publication", "-created_at"], name="importjob_publication_idx"),
        ]

    def __str__(self):
        return f"Import of {self.file_name or 'a file'} into {self.publication}"

    @property
    def is_running(self) -> bool:
        return self.state in (ImportState.QUEUED, ImportState.RUNNING)

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.state == ImportState.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class ImportProblem(models.Model):
    """One row an import skipped, and why; the job page and its CSV report list these."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    row_number = models.PositiveIntegerField()
    email = models.CharField(max_length=320, blank=True)
    kind = models.CharField(max_length=10, choices=ProblemKind.choices)
    reason = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="importproblem_row_once"),
        ]

    def __str__(self):
        return f"Row {self.row_number}: {self.reason}"
