"""The import preview: counts, and every kind of problem row by row, before anything is written."""

import re

import pytest
from django.urls import reverse

from masthead.subscriptions.import_models import ImportJob, ImportState
from masthead.subscriptions.models import SubscriptionStatus

pytestmark = pytest.mark.django_db

MIXED = (
    "email,name\n"
    "ada@example.com,Ada\n"  # row 2: new
    "not-an-address,Nobody\n"  # row 3: invalid
    "grace@example.com,Grace\n"  # row 4: new
    "ADA@example.com,Ada again\n"  # row 5: duplicate of row 2
    "gone@example.com,Gone\n"  # row 6: already on the list, unsubscribed
    ",No address\n"  # row 7: invalid
    "\n"  # row 8: blank, ignored
    "linus@example.com,Linus\n"  # row 9: already subscribed
)


@pytest.fixture
def preview(upload, owner_client, publication, subscribe):
    subscribe(publication, "gone@example.com", status=SubscriptionStatus.UNSUBSCRIBED)
    subscribe(publication, "linus@example.com")

    def show(content: str = MIXED):
        response = upload(content)
        assert response.status_code == 302
        page = owner_client.get(response["Location"])
        assert page.status_code == 200
        return page

    return show


def problem_rows(response, kind: str) -> list[tuple[str, str, str]]:
    rows = re.findall(
        rf'<tr class="problem-row" data-kind="{kind}"><td class="problem-row__number">(\d+)</td>'
        r'<td class="problem-row__email">([^<]*)</td><td>([^<]*)</td></tr>',
        response.text,
    )
    return rows


def count_shown(response, name: str) -> str:
    return re.search(rf'data-count="{name}">([^<]+)<', response.text).group(1)


def test_the_preview_counts_rows_new_existing_duplicate_and_invalid(preview):
    response = preview()

    assert count_shown(response, "total") == "7"
    assert count_shown(response, "new") == "2"
    assert count_shown(response, "existing") == "2"
    assert count_shown(response, "duplicate") == "1"
    assert count_shown(response, "invalid") == "2"


def test_invalid_rows_are_listed_with_their_row_number_and_reason(preview):
    assert problem_rows(preview(), "invalid") == [
        ("3", "not-an-address", "not a valid email address"),
        ("7", "(empty)", "no email address"),
    ]


def test_duplicates_name_the_row_they_repeat(preview):
    assert problem_rows(preview(), "duplicate") == [
        ("5", "ADA@example.com", "duplicate of row 2"),
    ]


def test_addresses_already_on_the_list_are_listed_with_their_status(preview):
    assert problem_rows(preview(), "existing") == [
        ("6", "gone@example.com", "already on your list but unsubscribed; left unsubscribed"),
        ("9", "linus@example.com", "already subscribed"),
    ]


def test_an_address_longer_than_254_characters_is_invalid(preview):
    long_address = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"

    response = preview(f"email\n{long_address}\nok@example.com\n")

    assert problem_rows(response, "invalid")[0][2] == "the address is longer than 254 characters"


def test_a_name_with_a_line_break_is_refused_as_a_header_injection(preview):
    response = preview('email,name\neve@example.com,"Eve\r\nBcc: everyone@example.com"\n')

    assert problem_rows(response, "invalid") == [
        ("2", "eve@example.com", "the name contains a line break"),
    ]


def test_html_in_the_file_is_shown_as_text(preview):
    response = preview('email,name\n"<script>alert(1)</script>",x\n')

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_the_preview_offers_to_confirm_the_new_subscribers(preview, publication):
    response = preview()

    job = ImportJob.objects.get()
    assert reverse("desk:subscriber_import_confirm", args=[publication.slug, job.id]) in (
        response.text
    )
    assert "Confirm import of 2 subscribers" in response.text


def test_a_file_with_nobody_new_offers_no_confirmation(preview):
    response = preview("email\nlinus@example.com\n")

    assert "There is nobody new to import" in response.text
    assert "Confirm import" not in response.text


def test_cancelling_forgets_the_import_and_its_file(
    preview, owner_client, publication, media_root, django_capture_on_commit_callbacks
):
    preview()
    job = ImportJob.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("desk:subscriber_import_cancel", args=[publication.slug, job.id])
        )

    assert response.status_code == 302
    assert not ImportJob.objects.exists()
    assert list((media_root / "imports").iterdir()) == []


def test_the_preview_of_a_confirmed_import_leads_to_its_progress(owner_client, publication):
    job = ImportJob.objects.create(publication=publication, state=ImportState.QUEUED)

    response = owner_client.get(
        reverse("desk:subscriber_import_preview", args=[publication.slug, job.id])
    )

    assert response["Location"] == reverse(
        "desk:subscriber_import_job", args=[publication.slug, job.id]
    )
