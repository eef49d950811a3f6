"""`masthead export --publication SLUG OUT.zip`: the desk's Export, from a terminal, in this process."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from masthead.importers.archive.export import export_publication
from masthead.publications.models import Publication


class Command(BaseCommand):
    help = "Write one zip archive with everything of a publication (restore it with `import masthead`)."

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="the archive to write, e.g. my-publication.zip")
        parser.add_argument("--publication", required=True, help="the publication's slug")

    def handle(self, *args, **options):
        # The wrapped stream itself: Django's wrapper would add a newline to every rich write.
        console = Console(file=self.stdout._out, highlight=False, soft_wrap=True)
        publication = Publication.objects.filter(slug=options["publication"]).first()
        if publication is None:
            raise CommandError(f"No publication with the slug “{options['publication']}”.")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"No folder {out.parent} to write the archive in.")
        if out.is_dir():
            raise CommandError(f"{out} is a folder: name the archive file, e.g. {out}/export.zip.")
        columns = (
            TextColumn("Exporting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        show_bar = self.stdout._out is sys.stdout and console.is_terminal
        with Progress(*columns, console=console, disable=not show_bar) as bar_display:
            bar = bar_display.add_task("export", total=None)
            try:
                manifest = export_publication(
                    publication,
                    out,
                    progress=lambda done, total: bar_display.update(
                        bar, completed=done, total=total
                    ),
                )
            except OSError as error:
                raise CommandError(f"The archive could not be written: {error}") from None
        rows = sum(manifest["tables"].values())
        files = manifest["files"]
        console.print(
            f"Wrote {out}: {rows:,} rows in {len(manifest['tables'])} tables, "
            f"{files['posts']} posts, {files['pages']} pages, {files['media']} media files, "
            f"{files['subscribers_csv_rows']} subscribers."
        )
        if files["media_missing"]:
            console.print(
                f"{files['media_missing']} media files named by the publication were not found "
                "under the media folder; the manifest lists them (media_missing)."
            )
