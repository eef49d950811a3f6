"""Importing subscribers from a CSV file: store and check the upload, preview it, run it in batches.

The desk's views, the `run_subscriber_import` task and the `import_subscribers` command all call
these functions, so a file is judged the same way wherever it comes in.

How a file travels:
1. `prepare_import` decodes the upload (UTF-8, or UTF-8/UTF-16/UTF-32 with a byte-order mark),
   stores it re-encoded as UTF-8 under PRIVATE_FILES_DIR/imports/ (never served), finds the header's email column and
   previews every row; the result is an ImportJob waiting for confirmation.
   `columns.find_columns` reads the header: email, name, status, date subscribed and tags, in the
   exports of Mailchimp, Kit, beehiiv, Buttondown and listmonk as in any spreadsheet; the job
   keeps that mapping, which the preview shows and the import then follows.
2. `confirm_import` queues it. `run_import` then reads the stored file as a stream and commits
   one batch at a time, together with the job's `processed_rows`; re-run after a crash, it
   resumes after the last committed batch.

Files that are not UTF-8 and carry no byte-order mark are refused rather than guessed at:
Windows-1252 and Latin-1 decode almost any byte sequence without error, so a guess would
silently turn names in other encodings into mojibake.
"""

from masthead.subscriptions.importing.columns import Columns, describe_columns, describe_mapping
from masthead.subscriptions.importing.errors import ImportFileError, ImportStateError
from masthead.subscriptions.importing.files import ABANDONED_AFTER, too_large_message
from masthead.subscriptions.importing.jobs import (
    Preview,
    cancel_import,
    confirm_import,
    import_batch,
    prepare_import,
    preview_file,
    read_file_chunks,
    resume_import,
    run_import,
)

__all__ = [
    "ABANDONED_AFTER",
    "Columns",
    "ImportFileError",
    "ImportStateError",
    "Preview",
    "cancel_import",
    "confirm_import",
    "describe_columns",
    "describe_mapping",
    "import_batch",
    "prepare_import",
    "preview_file",
    "read_file_chunks",
    "resume_import",
    "run_import",
    "too_large_message",
]
