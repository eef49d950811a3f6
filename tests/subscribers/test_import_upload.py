"""Uploading a CSV file to import: what is accepted, and what is refused with a clear message."""

import codecs
import os

import pytest
from django.test import Client
from django.urls import reverse

from masthead.accounts.models import Person
from masthead.subscriptions import importing
from masthead.subscriptions.import_models import ImportJob, ImportState
from tests.subscribers.conftest import csv_file

pytestmark = pytest.mark.django_db

GOOD = "email,name\nada@example.com,Ada Lovelace\ngrace@example.com,Grace Hopper\n"


def refusal(response) -> str:
    assert response.status_code == 400
    assert not ImportJob.objects.exists()
    return " ".join(response.context["form"].errors["file"])


def stored_files(media_root) -> list:
    folder = media_root / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_good_file_leads_to_its_preview(upload, publication, media_root):
    response = upload(GOOD)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "desk:subscriber_import_preview", args=[publication.slug, job.id]
    )
    assert (job.state, job.total_rows, job.new_count) == (ImportState.PREVIEW, 2, 2)
    assert job.file_name == "subscribers.csv"
    assert stored_files(media_root) == [media_root / job.stored_path]


def test_nothing_is_subscribed_before_confirmation(upload, publication):
    upload(GOOD)

    assert not publication.subscriptions.exists()


@pytest.mark.parametrize("heading", ["Email", "EMAIL", "Email Address", "e-mail", " E-Mail "])
def test_the_email_column_may_be_named_in_several_ways(upload, heading):
    response = upload(f"Name,{heading}\nAda,ada@example.com\n")

    assert response.status_code == 302
    assert ImportJob.objects.get().new_count == 1


def test_a_file_without_an_email_column_is_refused_naming_the_columns_found(upload):
    message = refusal(upload("name,phone\nAda,555-0100\n"))

    assert "Wrong columns" in message
    assert "“name”, “phone”" in message


def test_a_file_without_a_header_row_is_refused_with_a_hint(upload):
    message = refusal(upload("ada@example.com,Ada\ngrace@example.com,Grace\n"))

    assert "add a header row" in message


def test_a_utf16_file_with_a_byte_order_mark_is_read(upload):
    data = codecs.BOM_UTF16_LE + "email,name\r\nzoe@example.com,Zoë Ångström\r\n".encode(
        "utf-16-le"
    )

    response = upload(data)

    assert response.status_code == 302
    job = importing.confirm_import(ImportJob.objects.get(), in_background=False)
    importing.run_import(job.id)
    assert Person.objects.get(email="zoe@example.com").display_name == "Zoë Ångström"


def test_a_utf8_file_with_a_byte_order_mark_is_read(upload):
    response = upload(codecs.BOM_UTF8 + "Email,Name\nzoe@example.com,Zoë\n".encode())

    assert response.status_code == 302
    assert ImportJob.objects.get().new_count == 1


def test_a_file_in_another_encoding_is_refused_with_the_line_to_fix(upload, media_root):
    data = "email,name\nada@example.com,Ada\nzoe@example.com,Zoë\n".encode("cp1252")

    message = refusal(upload(data))

    assert "not in UTF-8: line 3" in message
    assert "CSV UTF-8" in message
    assert stored_files(media_root) == []


def test_binary_junk_is_refused(upload, media_root):
    message = refusal(upload(os.urandom(2048).replace(b"\x00", b"") + b"\x00\x01\x02", "list.csv"))

    assert "not a CSV file" in message
    assert stored_files(media_root) == []


def test_an_excel_workbook_is_refused_with_how_to_save_it_as_csv(upload):
    message = refusal(upload(b"PK\x03\x04\x14\x00\x06\x00" + os.urandom(300), "list.xlsx"))

    assert "spreadsheet" in message
    assert "CSV UTF-8" in message


def test_an_empty_file_is_refused(upload):
    assert refusal(upload(b"")) == "The file is empty."


def test_a_file_of_blank_lines_is_refused_as_empty(upload):
    assert refusal(upload(b"\r\n\r\n  \n")) == "The file is empty."


def test_a_header_without_rows_is_refused(upload):
    assert "no subscribers under it" in refusal(upload("email,name\n"))


def test_a_file_over_the_size_limit_is_refused(upload, settings):
    settings.SUBSCRIBER_IMPORT_MAX_BYTES = 1024 * 1024
    data = GOOD.encode() + b"x@example.com,X\n" * (1024 * 1024 // 16)

    message = refusal(upload(data))

    assert "larger than 1 MB" in message


def test_a_far_too_large_upload_is_refused_before_it_is_read(upload, settings):
    settings.SUBSCRIBER_IMPORT_MAX_BYTES = 1024

    response = upload(GOOD.encode() + b"x" * (1100 * 1024))

    assert response.status_code == 413
    assert "larger than" in response.text
    assert not ImportJob.objects.exists()


def test_semicolon_separated_files_are_read(upload):
    response = upload("Name;Email\nAda;ada@example.com\nGrace;grace@example.com\n")

    assert response.status_code == 302
    assert ImportJob.objects.get().new_count == 2


def test_posting_without_a_file_asks_for_one(owner_client, publication):
    response = owner_client.post(reverse("desk:subscriber_import", args=[publication.slug]))

    assert response.status_code == 400
    assert "Choose a CSV file to upload." in response.text


def test_the_upload_still_checks_the_csrf_token(owner, publication):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post(
        reverse("desk:subscriber_import", args=[publication.slug]), {"file": csv_file(GOOD)}
    )

    assert response.status_code == 403
    assert not ImportJob.objects.exists()
