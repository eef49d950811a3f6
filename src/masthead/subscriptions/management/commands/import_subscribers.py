"""`masthead import-subscribers FILE --publication SLUG`: the desk's CSV import, from a terminal.

Same steps and checks as the desk (preview, then import, then the report of skipped rows), run
in this process: no worker needed.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from masthead.publications.models import Publication
from masthead.subscriptions import exporting, importing
from masthead.subscriptions.import_models import ImportJob, ProblemKind

PRINTED_PROBLEMS = 100


class Command(BaseCommand):
    help = "Import subscribers from a CSV file (with an email column) into a publication."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the CSV file: a header row with “email”")
        parser.add_argument("--publication", required=True, help="the publication's slug")
        parser.add_argument(
            "--report", type=Path, help="write every skipped row, with its reason, to this CSV"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show the preview and import nothing"
        )

    def handle(self, *args, **options):
        # The wrapped stream itself: Django's wrapper would add a newline to every rich write.
        console = Console(file=self.stdout._out, highlight=False, soft_wrap=True)
        publication = Publication.objects.filter(slug=options["publication"]).first()
        if publication is None:
            raise CommandError(f"No publication with the slug “{options['publication']}”.")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        try:
            job = importing.prepare_import(
                publication,
                None,
                importing.read_file_chunks(path),
                path.name,
                size=path.stat().st_size,
            )
        except importing.ImportFileError as error:
            raise CommandError(str(error)) from None

        self._print_preview(console, job, with_rows=options["dry_run"])
        if options["dry_run"]:
            importing.cancel_import(job)
            console.print("Dry run: nothing was imported.")
            return

        importing.confirm_import(job, in_background=False)
        columns = (
            TextColumn("Importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task("import", total=job.total_rows)
            try:
                finished = importing.run_import(
                    job.id,
                    on_progress=lambda done, total: progress.update(
                        bar, completed=done, total=total
                    ),
                )
            except Exception as error:
                raise CommandError(
                    f"The import stopped: {error}. Rows done so far are kept; resume it from the "
                    f"desk's import page (import {job.id})."
                ) from None
        if finished is None:
            raise CommandError(f"Import {job.id} is already being run by another process.")
        console.print(
            f"Imported {finished.created_count:,} subscriber(s) into {publication.name}; "
            f"skipped {finished.skipped_count:,} row(s)."
        )
        report = options["report"]
        self._report(console, finished, Path(report) if report else None)

    def _print_preview(self, console: Console, job: ImportJob, with_rows: bool) -> None:
        mapping = importing.describe_mapping(job.mapping)
        if mapping is not None:
            console.print(f"Read as {mapping.source}: " + "; ".join(mapping.lines), markup=False)
            if mapping.not_imported:
                console.print("Not imported: " + ", ".join(mapping.not_imported), markup=False)
        console.print(
            f"{job.file_name}: {job.total_rows:,} row(s): {job.new_count:,} new, "
            f"{job.existing_count:,} already on the list, {job.duplicate_count:,} duplicate(s) "
            f"in the file, {job.invalid_count:,} invalid, {job.unsubscribed_count:,} to import "
            f"as unsubscribed, {job.excluded_count:,} left out for their status."
        )
        if not with_rows:
            return  # the report after the import lists every skipped row
        sample = [problem for kind in ProblemKind.values for problem in job.preview_problems[kind]]
        for problem in sorted(sample, key=lambda problem: problem["row"]):
            console.print(
                f"  row {problem['row']}: {problem['email'] or '(empty)'}: {problem['reason']}",
                markup=False,
            )

    def _report(self, console: Console, job: ImportJob, report_path: Path | None) -> None:
        if not job.skipped_count:
            return
        if report_path:
            with report_path.open("w", encoding="utf-8", newline="") as out:
                out.writelines(exporting.import_report_csv_lines(job))
            console.print(f"Skipped rows, with reasons: {report_path}", markup=False)
            return
        console.print("Skipped rows:")
        problems = job.problems.order_by("row_number")[:PRINTED_PROBLEMS]
        for problem in problems:
            console.print(
                f"  row {problem.row_number}: {problem.email or '(empty)'}: {problem.reason}",
                markup=False,
            )
        if job.skipped_count > PRINTED_PROBLEMS:
            console.print(
                f"  …and {job.skipped_count - PRINTED_PROBLEMS:,} more: use --report FILE "
                "to get them all."
            )
