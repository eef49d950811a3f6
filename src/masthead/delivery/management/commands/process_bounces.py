"""`masthead process-bounces PATH`: record the bounces and complaints in an mbox or a Maildir."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from masthead.delivery.bounces import process_mailbox


class Command(BaseCommand):
    help = (
        "Read bounce reports (RFC 3464 DSNs) and spam complaints (ARF) from an mbox file or a "
        "Maildir folder; suppress hard bounces and complaints, note soft bounces."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="an mbox file or a Maildir folder")

    def handle(self, *args, path: Path, **options):
        try:
            summary = process_mailbox(path)
        except (FileNotFoundError, OSError) as error:
            raise CommandError(str(error)) from error
        for line in summary.skipped:
            self.stderr.write(f"skipped {line}")
        for kind, count in summary.counts.items():
            self.stdout.write(f"{kind}: {count}")
        self.stdout.write(f"skipped: {len(summary.skipped)}")
