"""Imports from other platforms and exports of a publication: their runs, reports and records."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.publications.models import Publication


class ImportSource(models.TextChoices):
    SUBSTACK = "substack", "Substack"
    GHOST = "ghost", "Ghost"
    WORDPRESS = "wordpress", "WordPress"
    MASTHEAD = "masthead", "Masthead archive"


class RunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    CHECKING = "checking", "Checking the export"
    RUNNING = "running", "Importing"
    DONE = "done", "Finished"
    FAILED = "failed", "Stopped"


class ImportRun(models.Model):
    """One export being imported into a publication, from upload to its report.

    The uploaded files are kept under PRIVATE_FILES_DIR/imports/ (never served) until the run
    ends. The run goes through phases in order (posts, subscribers, deliveries); `position`
    counts the items of the current phase already committed, in the same transaction as them,
    so a worker that dies resumes after the last committed batch.
    """

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="import_runs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=ImportSource.choices)
    # The uploaded files' names and where they are stored, relative to PRIVATE_FILES_DIR.
    file_names = models.JSONField(default=list, blank=True)
    stored_paths = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    phase = models.CharField(max_length=20, blank=True)
    position = models.PositiveIntegerField(default=0)
    # What the check found, per phase ({"posts": 120, "subscribers": 5000, ...}).
    totals = models.JSONField(default=dict, blank=True)
    # What the run did so far ({"posts_imported": 3, "subscribers_skipped": 2, ...}).
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Renewed after every batch: a running run whose heartbeat is old was abandoned.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["publication", "-created_at"], name="importrun_publication_idx"),
        ]

    def __str__(self):
        return f"{self.get_source_display()} import into {self.publication}"

    @property
    def is_running(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.CHECKING, RunState.RUNNING)

    @property
    def done_count(self) -> int:
        return sum(self.counts.get(f"{phase}_done", 0) for phase in self.totals)

    @property
    def total_count(self) -> int:
        return sum(self.totals.values())

    @property
    def progress_percent(self) -> int:
        if self.state == RunState.DONE:
            return 100
        total = self.total_count
        return min(100, self.done_count * 100 // total) if total else 0


class ReportKind(models.TextChoices):
    IMPORTED = "imported", "Imported"
    SKIPPED = "skipped", "Skipped"
    WARNING = "warning", "Imported with a change"


class ImportReportLine(models.Model):
    """One line of a run's report: something skipped, or imported not quite as it was."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="report_lines")
    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    item = models.CharField(max_length=300)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.kind}: {self.item}"


class ImportedRecord(models.Model):
    """What an item of an export became, so that importing the same export again changes nothing."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="imported_records"
    )
    source = models.CharField(max_length=10, choices=ImportSource.choices)
    item_type = models.CharField(max_length=20)  # "post", "subscriber", "delivery"
    source_id = models.CharField(max_length=300)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "source", "item_type", "source_id"],
                name="imported_record_once",
            ),
        ]

    def __str__(self):
        return f"{self.source} {self.item_type} {self.source_id}"


class OldPath(models.Model):
    """An address a post had on the old site (/2021/03/hello/, /hello/): it redirects to the post."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="old_paths")
    path = models.CharField(max_length=500)
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="old_paths")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "path"], name="old_path_once"),
        ]

    def __str__(self):
        return f"{self.path} → {self.post_id}"


class ExportRun(models.Model):
    """One archive of a publication being written by the worker, then kept for download."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="export_runs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    # Relative to PRIVATE_FILES_DIR; the archive is served only to the publication's owners.
    stored_path = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    done_count = models.PositiveIntegerField(default=0)
    total_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["publication", "-created_at"], name="exportrun_publication_idx"),
        ]

    def __str__(self):
        return f"Export of {self.publication}"

    @property
    def progress_percent(self) -> int:
        if self.state == RunState.DONE:
            return 100
        return min(100, self.done_count * 100 // self.total_count) if self.total_count else 0
