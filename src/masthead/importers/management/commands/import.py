"""`masthead import substack|ghost|wordpress FILE... --publication SLUG`, and `masthead import masthead ARCHIVE`.

Runs the import in this process, with a progress bar, and prints its report's summary; the
same run the desk queues for the worker. Run again after a crash, it skips what is already in.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from masthead.accounts.models import Person
from masthead.importers import runs
from masthead.importers.archives import open_export
from masthead.importers.models import ImportSource, RunState
from masthead.importers.reports import summary_lines
from masthead.importers.source import ExportError
from masthead.publications.models import Publication

PHASE_LABELS = {"posts": "Posts", "subscribers": "Subscribers", "deliveries": "Email history"}


class Command(BaseCommand):
    help = "Import an export of Substack, Ghost or WordPress, or restore a Masthead archive."

    def add_arguments(self, parser):
        parser.add_argument("source", choices=[choice.value for choice in ImportSource])
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--publication", help="the slug of the publication to import into")
        parser.add_argument("--as", dest="person", help="the email of the person importing")

    def handle(self, *args, source, files, publication, person, **options):
        for path in files:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
        console = Console(stderr=True)
        if source == ImportSource.MASTHEAD:
            return self._restore(files, console)
        if not publication:
            raise CommandError("Say which publication to import into: --publication SLUG")
        target = Publication.objects.filter(slug=publication).first()
        if target is None:
            raise CommandError(f"No publication with the slug {publication!r}.")
        importer = None
        if person:
            importer = Person.objects.filter(email__iexact=person).first()
            if importer is None:
                raise CommandError(f"No account with the address {person!r}.")
        try:
            paths = runs.store_files((path.name, _chunks(path)) for path in files)
        except ExportError as error:
            raise CommandError(str(error)) from None
        try:
            run = runs.start_import(
                target, importer, source, paths, [path.name for path in files], in_background=False
            )
        except runs.ImportStateError as error:
            runs.delete_stored_files(paths)
            raise CommandError(str(error)) from None
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            disable=not console.is_terminal,
        ) as bar:
            tasks = {}

            def show(current):
                for phase, total in current.totals.items():
                    if phase not in tasks:
                        tasks[phase] = bar.add_task(PHASE_LABELS.get(phase, phase), total=total)
                    bar.update(tasks[phase], completed=current.counts.get(f"{phase}_done", 0))

            run = runs.run_import(run.id, on_progress=show)
        if run is None:
            raise CommandError("The import is already running elsewhere.")
        for line in summary_lines(run):
            self.stdout.write(line)
        if run.state != RunState.DONE:
            raise CommandError(f"The import stopped: {run.error}")

    def _restore(self, files, console):
        from masthead.importers.archive.restore import restore_archive

        with Progress(console=console, disable=not console.is_terminal) as bar:
            task = bar.add_task("Restoring", total=None)
            try:
                with open_export(files) as archive:
                    result = restore_archive(
                        archive,
                        progress=lambda done, total: bar.update(task, completed=done, total=total),
                    )
            except ExportError as error:
                raise CommandError(str(error)) from None
        rows = sum(result.counts.values())
        self.stdout.write(
            f"Restored {result.publication.name} (/pub/{result.publication.slug}/): {rows} rows "
            f"in {len(result.counts)} tables, {result.media_copied} media files; "
            f"{result.people_reused} people already had an account here."
        )
        for line in result.report:
            self.stdout.write(f"{line.kind.value}: {line.item}: {line.reason}")


def _chunks(path: Path, size: int = 1024 * 1024):
    with path.open("rb") as stream:
        while chunk := stream.read(size):
            yield chunk
