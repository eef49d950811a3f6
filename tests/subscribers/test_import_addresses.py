"""Odd addresses in an imported CSV: IDN domains come in as ASCII, the rest are skipped with a reason."""

import csv
import io

import pytest
from django.core.management import call_command

from masthead.subscriptions.import_models import ImportJob, ImportState

pytestmark = pytest.mark.django_db

UTF8_REASON = (
    "the part before the @ has characters our mail server cannot deliver to "
    "(it does not offer SMTPUTF8)"
)

CONTENT = (
    "email,name\n"
    "Reader@Bücher.example,Reader\n"  # 2: imported as reader@xn--bcher-kva.example
    "reader@xn--bcher-kva.example,Again\n"  # 3: the same address in its ASCII form
    "josé@example.com,José\n"  # 4: a UTF-8 local part
    "ada@[127.0.0.1],Ada\n"  # 5: an IP literal
    '"""quoted""@example.com",Quoted\n'  # 6: a quoted local part, CSV-escaped
    "grace@example.com.,Grace\n"  # 7: a trailing dot
    "linus@exa_mple.com,Linus\n"  # 8: not a host name
    "rea..der@example.com,Dots\n"  # 9: two dots in a row
    "known@straße.de,Known\n"  # 10: already a reader, under the ASCII form
    "  Margaret@Example.COM ,Margaret\n"  # 11: plain, lowercased
)


@pytest.fixture
def csv_path(tmp_path):
    path = tmp_path / "readers.csv"
    path.write_text(CONTENT, encoding="utf-8")
    return path


def run_import(csv_path, publication, report) -> str:
    out = io.StringIO()
    call_command(
        "import_subscribers",
        str(csv_path),
        publication=publication.slug,
        report=str(report),
        stdout=out,
    )
    return out.getvalue()


def test_odd_addresses_are_imported_normalised_or_skipped_with_their_reason(
    csv_path, publication, tmp_path, plain_sink, subscribe
):
    subscribe(publication, "known@xn--strae-oqa.de")
    report = tmp_path / "skipped.csv"

    run_import(csv_path, publication, report)

    assert ImportJob.objects.get().state == ImportState.DONE
    assert set(publication.subscriptions.values_list("person__email", flat=True)) == {
        "reader@xn--bcher-kva.example",
        "known@xn--strae-oqa.de",
        "margaret@example.com",
    }
    rows = list(csv.reader(report.open(encoding="utf-8")))
    assert rows[0] == ["row", "email", "problem", "reason"]
    assert [(row[0], row[2], row[3]) for row in rows[1:]] == [
        ("3", "duplicate", "duplicate of row 2"),
        ("4", "invalid", UTF8_REASON),
        ("5", "invalid", "not a valid email address"),
        ("6", "invalid", "not a valid email address"),
        ("7", "invalid", "not a valid email address"),
        ("8", "invalid", "not a valid email address"),
        ("9", "invalid", "not a valid email address"),
        ("10", "existing", "already subscribed"),
    ]


def test_a_utf8_local_part_is_imported_when_the_server_offers_smtputf8(
    csv_path, publication, tmp_path, smtputf8_sink
):
    run_import(csv_path, publication, tmp_path / "skipped.csv")

    assert publication.subscriptions.filter(person__email="josé@example.com").exists()
