"""`masthead import-subscribers FILE --publication SLUG`: the same import, from a terminal."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from masthead.subscriptions.import_models import ImportJob, ImportState
from masthead.subscriptions.models import SubscriptionSource, SubscriptionStatus

pytestmark = pytest.mark.django_db

CONTENT = "email,name\nada@example.com,Ada\nbroken@,Broken\ngrace@example.com,Grace\nada@example.com,Ada\n"


@pytest.fixture
def csv_path(tmp_path):
    path = tmp_path / "readers.csv"
    path.write_text(CONTENT, encoding="utf-8")
    return path


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command("import_subscribers", *args, stdout=out, **options)
    return out.getvalue()


def test_the_command_imports_the_file_without_a_worker(csv_path, publication):
    output = run(str(csv_path), publication=publication.slug)

    assert "Imported 2 subscriber(s) into The Daily Build; skipped 2 row(s)." in output
    assert set(publication.subscriptions.values_list("person__email", "status", "source")) == {
        ("ada@example.com", SubscriptionStatus.ACTIVE, SubscriptionSource.IMPORT),
        ("grace@example.com", SubscriptionStatus.ACTIVE, SubscriptionSource.IMPORT),
    }
    assert ImportJob.objects.get().state == ImportState.DONE


def test_the_command_prints_the_preview_counts(csv_path, publication):
    output = run(str(csv_path), publication=publication.slug)

    assert "4 row(s): 2 new, 0 already on the list, 1 duplicate(s) in the file, 1 invalid" in output


def test_the_command_prints_skipped_rows_one_by_one(csv_path, publication):
    output = run(str(csv_path), publication=publication.slug)

    assert "row 3: broken@: not a valid email address" in output
    assert "row 5: ada@example.com: duplicate of row 2" in output


def test_the_command_writes_skipped_rows_to_a_report_file(csv_path, publication, tmp_path):
    report = tmp_path / "skipped.csv"

    run(str(csv_path), publication=publication.slug, report=str(report))

    rows = list(csv.reader(report.open(encoding="utf-8")))
    assert rows == [
        ["row", "email", "problem", "reason"],
        ["3", "broken@", "invalid", "not a valid email address"],
        ["5", "ada@example.com", "duplicate", "duplicate of row 2"],
    ]


def test_a_dry_run_imports_nothing(csv_path, publication):
    output = run(str(csv_path), publication=publication.slug, dry_run=True)

    assert "row 3: broken@: not a valid email address" in output
    assert "Dry run: nothing was imported." in output
    assert not publication.subscriptions.exists()
    assert not ImportJob.objects.exists()


def test_an_unknown_publication_is_an_error(csv_path, publication):
    with pytest.raises(CommandError, match="No publication with the slug “nope”"):
        run(str(csv_path), publication="nope")


def test_a_file_with_the_wrong_columns_is_an_error(tmp_path, publication):
    path = tmp_path / "wrong.csv"
    path.write_text("name,phone\nAda,555\n", encoding="utf-8")

    with pytest.raises(CommandError, match="Wrong columns"):
        run(str(path), publication=publication.slug)


def test_a_missing_file_is_an_error(tmp_path, publication):
    with pytest.raises(CommandError, match="No file at"):
        run(str(tmp_path / "missing.csv"), publication=publication.slug)
