"""Exports of Mailchimp, Kit, beehiiv, Buttondown and listmonk: their columns are recognised, their
statuses, dates and tags imported, and the preview shows how the file was read."""

import csv
import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from masthead.publications.models import Membership, Role
from masthead.subscriptions import importing
from masthead.subscriptions.import_models import ImportJob, ProblemKind
from masthead.subscriptions.importing.columns import describe_columns, find_columns
from masthead.subscriptions.importing.values import judge_status, parse_date, parse_labels
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus
from tests.factories import make_person

EXPORTS = Path(__file__).parent / "esp_exports"
UTC = dt.UTC
ACTIVE, UNSUBSCRIBED = SubscriptionStatus.ACTIVE, SubscriptionStatus.UNSUBSCRIBED


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PRIVATE_FILES_DIR = tmp_path / "private"


def header_of(name: str) -> list[str]:
    with (EXPORTS / name).open(encoding="utf-8", newline="") as stream:
        return next(csv.reader(stream))


def import_export(publication, name: str) -> ImportJob:
    """Preview, confirm and run the import of a fixture file, as the command does."""
    content = (EXPORTS / name).read_bytes()
    job = importing.prepare_import(publication, None, [content], name)
    importing.confirm_import(job, in_background=False)
    return importing.run_import(job.id)


def subscriptions_of(publication) -> dict[str, Subscription]:
    return {
        subscription.person.email: subscription
        for subscription in publication.subscriptions.select_related("person")
    }


def problems_of(job) -> dict[str, tuple[str, str]]:
    return {problem.email: (problem.kind, problem.reason) for problem in job.problems.all()}


def subscribe(publication, email, status):
    return Subscription.objects.create(
        publication=publication,
        person=make_person(email=email),
        status=status,
        source=SubscriptionSource.WEBSITE,
    )


# Recognising the columns --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "source", "lines"),
    [
        (
            "mailchimp_unsubscribed.csv",
            "a Mailchimp export",
            [
                "Email Address → email",
                "First Name + Last Name → name",
                "status from the file (unsubscribed)",
                "OPTIN_TIME, else CONFIRM_TIME → subscribed on",
                "TAGS → labels",
            ],
        ),
        (
            "mailchimp_cleaned.csv",
            "a Mailchimp export",
            [
                "Email Address → email",
                "First Name + Last Name → name",
                "status from the file (cleaned)",
                "OPTIN_TIME, else CONFIRM_TIME → subscribed on",
                "TAGS → labels",
            ],
        ),
        (
            "kit.csv",
            "a Kit export",
            [
                "email_address → email",
                "first_name → name",
                "state → status",
                "created_at → subscribed on",
                "tags → labels",
            ],
        ),
        (
            "kit_old.csv",
            "a Kit export",
            [
                "email → email",
                "first name → name",
                "status → status",
                "created at → subscribed on",
                "tags → labels",
            ],
        ),
        (
            "beehiiv.csv",
            "a beehiiv export",
            ["email → email", "status → status", "created_at → subscribed on"],
        ),
        (
            "buttondown.csv",
            "a Buttondown export",
            [
                "email → email",
                "subscriber_type → status",
                "creation_date → subscribed on",
                "tags → labels",
            ],
        ),
        (
            "buttondown_new.csv",
            "a Buttondown export",
            [
                "email_address → email",
                "type → status",
                "creation_date → subscribed on",
                "tags → labels",
            ],
        ),
        (
            "listmonk.csv",
            "a listmonk export",
            [
                "email → email",
                "name → name",
                "status → status",
                "created_at → subscribed on",
            ],
        ),
    ],
)
def test_each_export_is_recognised_with_its_columns(file_name, source, lines):
    description = describe_columns(find_columns(header_of(file_name)))

    assert description.source == source
    assert description.lines == lines


def test_a_plain_spreadsheet_is_read_as_a_csv_file_with_everyone_subscribed():
    description = describe_columns(find_columns(["E-mail", "Name", "Phone"]))

    assert description.source == "a CSV file"
    assert description.lines == [
        "E-mail → email",
        "Name → name",
        "no status column: everyone is imported as subscribed",
    ]
    assert description.not_imported == ["Phone"]


def test_columns_nothing_reads_are_listed_as_not_imported():
    description = describe_columns(find_columns(header_of("listmonk.csv")))

    assert description.not_imported == ["uuid", "attributes", "updated_at"]


def test_a_file_without_an_email_column_is_still_refused_with_its_headings():
    with pytest.raises(importing.ImportFileError, match="“first_name”, “state”"):
        find_columns(["first_name", "state"])


# Statuses -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_kit_states_import_active_and_unsubscribed_and_leave_out_bounces_and_complaints(
    publication,
):
    job = import_export(publication, "kit.csv")

    subscriptions = subscriptions_of(publication)
    assert {email: s.status for email, s in subscriptions.items()} == {
        "ada@example.com": ACTIVE,
        "carl@example.com": UNSUBSCRIBED,
        "ike@example.com": UNSUBSCRIBED,
    }
    assert problems_of(job) == {
        "bea@example.com": (
            ProblemKind.EXCLUDED,
            "status “bounced”: mail to this address bounced; not imported",
        ),
        "cora@example.com": (
            ProblemKind.EXCLUDED,
            "status “complained”: they marked your email as spam; not imported",
        ),
    }
    assert (job.created_count, job.skipped_count) == (3, 2)


@pytest.mark.django_db
def test_readers_imported_as_unsubscribed_are_never_confirmed_and_are_marked_unsubscribed(
    publication,
):
    import_export(publication, "kit.csv")

    carl = subscriptions_of(publication)["carl@example.com"]
    assert carl.confirmed_at is None
    assert carl.unsubscribed_at is not None
    assert not carl.is_active


@pytest.mark.django_db
def test_beehiiv_validating_is_active_inactive_unsubscribed_and_pending_left_out(publication):
    job = import_export(publication, "beehiiv.csv")

    assert {e: s.status for e, s in subscriptions_of(publication).items()} == {
        "ada@example.com": ACTIVE,
        "ivy@example.com": UNSUBSCRIBED,
        "val@example.com": ACTIVE,
    }
    assert problems_of(job)["pat@example.com"] == (
        ProblemKind.EXCLUDED,
        "status “pending”: never confirmed their address; not imported",
    )


@pytest.mark.django_db
def test_buttondown_types_map_to_statuses_and_an_unknown_type_is_left_out(publication):
    job = import_export(publication, "buttondown.csv")

    assert {e: s.status for e, s in subscriptions_of(publication).items()} == {
        "ada@example.com": ACTIVE,
        "pia@example.com": ACTIVE,
        "uli@example.com": UNSUBSCRIBED,
        "chu@example.com": UNSUBSCRIBED,
    }
    problems = problems_of(job)
    assert problems["una@example.com"][1] == (
        "status “unactivated”: never confirmed their address; not imported"
    )
    assert problems["odd@example.com"] == (
        ProblemKind.EXCLUDED,
        "the status “mysterious” is not one we know; not imported",
    )


@pytest.mark.django_db
def test_buttondown_newer_exports_with_email_address_and_type_work_too(publication):
    import_export(publication, "buttondown_new.csv")

    assert {e: s.status for e, s in subscriptions_of(publication).items()} == {
        "ada@example.com": ACTIVE,
        "uli@example.com": UNSUBSCRIBED,
    }


@pytest.mark.django_db
def test_listmonk_enabled_disabled_unsubscribed_and_blocklisted(publication):
    job = import_export(publication, "listmonk.csv")

    subscriptions = subscriptions_of(publication)
    assert {e: s.status for e, s in subscriptions.items()} == {
        "ada@example.com": ACTIVE,
        "dis@example.com": UNSUBSCRIBED,
        "uns@example.com": UNSUBSCRIBED,
    }
    assert subscriptions["ada@example.com"].person.display_name == "Ada Lovelace"
    assert problems_of(job)["blo@example.com"] == (
        ProblemKind.EXCLUDED,
        "status “blocklisted”: the address is blocklisted; not imported",
    )


@pytest.mark.django_db
def test_a_mailchimp_unsubscribed_file_imports_everyone_as_unsubscribed(publication):
    import_export(publication, "mailchimp_unsubscribed.csv")

    assert {e: s.status for e, s in subscriptions_of(publication).items()} == {
        "gone@example.com": UNSUBSCRIBED,
        "ada@example.com": UNSUBSCRIBED,
    }


@pytest.mark.django_db
def test_a_mailchimp_cleaned_file_imports_nobody_and_says_why(publication):
    job = import_export(publication, "mailchimp_cleaned.csv")

    assert not publication.subscriptions.exists()
    assert problems_of(job) == {
        "bounce@example.com": (
            ProblemKind.EXCLUDED,
            "status “cleaned”: mail to this address bounced; not imported",
        )
    }


@pytest.mark.django_db
def test_an_empty_status_cell_is_left_out_rather_than_subscribed(publication):
    job = importing.prepare_import(
        publication, None, [b"email,status\na@example.com,\nb@example.com,active\n"], "x.csv"
    )

    assert (job.new_count, job.excluded_count) == (1, 1)
    assert job.preview_problems["excluded"][0]["reason"] == "the status is empty; not imported"


# Existing readers ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unsubscribed_row_leaves_a_subscribed_reader_subscribed(publication):
    subscribe(publication, "ada@example.com", ACTIVE)

    job = import_export(publication, "mailchimp_unsubscribed.csv")

    assert subscriptions_of(publication)["ada@example.com"].status == ACTIVE
    assert problems_of(job)["ada@example.com"] == (ProblemKind.EXISTING, "already subscribed")


@pytest.mark.django_db
def test_a_later_import_of_the_subscribed_file_does_not_resubscribe_unsubscribed_readers(
    publication,
):
    import_export(publication, "mailchimp_unsubscribed.csv")

    job = import_export(publication, "mailchimp_subscribed.csv")

    ada = subscriptions_of(publication)["ada@example.com"]
    assert ada.status == UNSUBSCRIBED
    assert problems_of(job)["ada@example.com"] == (
        ProblemKind.EXISTING,
        "already on your list but unsubscribed; left unsubscribed",
    )


@pytest.mark.django_db
def test_an_existing_readers_labels_and_date_are_left_alone(publication):
    existing = subscribe(publication, "ada@example.com", ACTIVE)

    import_export(publication, "mailchimp_subscribed.csv")

    existing.refresh_from_db()
    assert (existing.labels, existing.source) == ([], SubscriptionSource.WEBSITE)


# Dates --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_date_subscribed_becomes_created_and_confirmed_at_in_utc(publication):
    import_export(publication, "listmonk.csv")

    ada = subscriptions_of(publication)["ada@example.com"]
    expected = dt.datetime(2021, 3, 4, 10, 0, 0, 123456, tzinfo=UTC)
    assert (ada.created_at, ada.confirmed_at) == (expected, expected)


@pytest.mark.django_db
def test_mailchimp_uses_the_confirm_time_when_the_optin_time_is_empty(publication):
    import_export(publication, "mailchimp_subscribed.csv")

    subscriptions = subscriptions_of(publication)
    assert subscriptions["ada@example.com"].created_at == dt.datetime(2021, 3, 4, 10, tzinfo=UTC)
    assert subscriptions["grace@example.com"].created_at == dt.datetime(
        2020, 1, 2, 3, 4, 5, tzinfo=UTC
    )


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 5, 6, 7, 8, tzinfo=UTC), tick=False)
def test_an_unreadable_date_means_today_and_the_row_is_still_imported(publication):
    job = import_export(publication, "mailchimp_subscribed.csv")

    linus = subscriptions_of(publication)["linus@example.com"]
    assert linus.created_at == dt.datetime(2026, 5, 6, 7, 8, tzinfo=UTC)
    assert linus.status == ACTIVE
    assert job.skipped_count == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-03-04 10:00:00", dt.datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("2021-03-04T10:00:00Z", dt.datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("2021-03-04 10:00:00 UTC", dt.datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("2021-03-04T12:00:00+02:00", dt.datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("2021-03-04 10:00:00+00", dt.datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("2021-03-04", dt.datetime(2021, 3, 4, tzinfo=UTC)),
        ("March 4, 2021", dt.datetime(2021, 3, 4, tzinfo=UTC)),
        ("1614852000", dt.datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("", None),
        ("yesterday", None),
        ("1970-01-01 00:00:00", None),  # a placeholder, not a sign-up
        ("2999-01-01", None),  # in the future
    ],
)
def test_dates_are_read_leniently(text, expected):
    now = dt.datetime(2026, 1, 1, tzinfo=UTC)

    assert parse_date(text, now) == expected


# Labels -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tags_become_labels_trimmed_and_without_repeats(publication):
    import_export(publication, "mailchimp_subscribed.csv")

    subscriptions = subscriptions_of(publication)
    assert subscriptions["ada@example.com"].labels == ["tag one", "tag two"]
    assert subscriptions["grace@example.com"].labels == ["tag one", "vip"]
    assert subscriptions["linus@example.com"].labels == []


@pytest.mark.django_db
def test_bracketed_tag_lists_become_labels(publication):
    import_export(publication, "buttondown.csv")

    assert subscriptions_of(publication)["ada@example.com"].labels == ["alpha", "beta"]


def test_labels_are_capped_at_20_of_40_characters():
    labels = parse_labels(",".join(f"{'x' * 50}{number}" for number in range(30)))

    assert len(labels) == 1  # the 50 x's cut to 40 make them all the same label
    assert labels == ["x" * 40]
    many = parse_labels(",".join(f"label {number}" for number in range(30)))
    assert many == [f"label {number}" for number in range(20)]


@given(st.text(max_size=300))
def test_reading_cells_never_raises(text):
    parse_date(text)
    labels = parse_labels(text)
    status, reason = judge_status(text)

    assert len(labels) <= 20 and all(0 < len(label) <= 40 for label in labels)
    assert bool(status) != bool(reason)


@given(st.lists(st.text(max_size=30), max_size=40))
def test_any_header_is_read_or_refused_with_the_import_error(header):
    try:
        columns = find_columns(header)
    except importing.ImportFileError:
        return
    assert describe_columns(columns).lines[0].endswith("→ email")


# The mapping stored on the job --------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_follows_the_mapping_the_preview_stored(publication):
    content = (EXPORTS / "kit.csv").read_bytes()
    job = importing.prepare_import(publication, None, [content], "kit.csv")
    # What the preview showed is what runs, even if the header were read differently today.
    job.mapping = {**job.mapping, "labels": None, "status": None}
    job.save(update_fields=["mapping"])

    importing.confirm_import(job, in_background=False)
    importing.run_import(job.id)

    subscriptions = subscriptions_of(publication)
    assert len(subscriptions) == 5
    assert all(s.status == ACTIVE and s.labels == [] for s in subscriptions.values())


@pytest.mark.django_db
def test_the_preview_counts_new_unsubscribed_and_left_out_rows(publication):
    content = (EXPORTS / "kit.csv").read_bytes()

    job = importing.prepare_import(publication, None, [content], "kit.csv")

    assert (job.new_count, job.unsubscribed_count, job.excluded_count) == (3, 2, 2)
    assert job.mapping["product"] == "Kit"


# The desk's preview page --------------------------------------------------------------------


def add_staff(publication, role):
    person = make_person(name=f"{role} person")
    Membership.objects.create(publication=publication, person=person, role=role)
    return person


def upload(client, publication, file_name):
    return client.post(
        reverse("desk:subscriber_import", args=[publication.slug]),
        {
            "file": SimpleUploadedFile(
                file_name, (EXPORTS / file_name).read_bytes(), content_type="text/csv"
            )
        },
    )


@pytest.mark.django_db
def test_the_preview_page_shows_how_the_file_was_read(client, publication):
    client.force_login(add_staff(publication, Role.OWNER))

    response = upload(client, publication, "mailchimp_unsubscribed.csv")
    assert response.status_code == 302
    page = client.get(response["Location"])

    assert page.status_code == 200
    text = page.text
    assert "We read this as a Mailchimp export:" in text
    for line in (
        "Email Address → email",
        "First Name + Last Name → name",
        "TAGS → labels",
        "OPTIN_TIME, else CONFIRM_TIME → subscribed on",
        "status from the file (unsubscribed)",
    ):
        assert f'<li class="import-mapping__line">{line}</li>' in text
    assert "Not imported: Address, Phone Number, Birthday, MEMBER_RATING" in text
    assert 'data-count="unsubscribed">2<' in text
    assert "Confirm import of 2 subscribers (2 unsubscribed)" in text


@pytest.mark.django_db
def test_the_preview_page_lists_rows_left_out_for_their_status(client, publication):
    client.force_login(add_staff(publication, Role.OWNER))

    page = client.get(upload(client, publication, "kit.csv")["Location"])

    assert 'data-count="excluded">2<' in page.text
    assert "Left out because of their status (2)" in page.text
    assert "they marked your email as spam" in page.text


@pytest.mark.django_db
def test_an_author_may_not_see_an_import_preview(client, publication):
    content = (EXPORTS / "kit.csv").read_bytes()
    job = importing.prepare_import(publication, None, [content], "kit.csv")
    client.force_login(add_staff(publication, Role.AUTHOR))

    response = client.get(
        reverse("desk:subscriber_import_preview", args=[publication.slug, job.id])
    )

    assert response.status_code in (403, 404)
    assert "We read this as" not in response.text


@pytest.mark.django_db
def test_the_subscriber_list_shows_imported_labels(client, publication):
    import_export(publication, "mailchimp_subscribed.csv")
    client.force_login(add_staff(publication, Role.OWNER))

    page = client.get(reverse("desk:subscriber_list", args=[publication.slug]))

    assert page.status_code == 200
    assert '<small class="subscriber-labels" title="Labels">tag one, tag two</small>' in page.text


def test_a_type_column_outside_buttondown_is_not_read_as_a_status():
    # Substack's subscriber list has type = free, paid, comp: those readers must not be skipped.
    from masthead.subscriptions.importing.columns import find_columns

    columns = find_columns(["email", "type", "created_at"])

    assert columns.status is None and columns.product == ""
