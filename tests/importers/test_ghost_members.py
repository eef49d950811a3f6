"""Ghost's members CSV becomes subscribers; what cannot be imported gets a report line."""

import pytest

from masthead.importers.archives import open_export
from masthead.importers.ghost import GhostReader
from masthead.importers.source import ExportError, LineKind, PaidKind
from tests.importers.ghost_export import member_row, write_members_csv


def read_members(tmp_path, rows, *, has_status=True, name="members.csv"):
    path = write_members_csv(tmp_path / name, rows, has_status=has_status)
    with open_export([path]) as files:
        reader = GhostReader(files)
        lines = reader.check()
        return list(reader.subscribers()), lines


def test_deleted_members_are_skipped_with_a_line(tmp_path):
    members, lines = read_members(
        tmp_path, [member_row(0) | {"deleted_at": "2024-01-01T00:00:00.000Z"}, member_row(1)]
    )
    assert [m.email for m in members] == ["member1@example.com"]
    assert (lines[0].kind, lines[0].item) == (LineKind.SKIPPED, "subscriber member0@example.com")


@pytest.mark.parametrize("email", ["", "   ", "not-an-email", "a@", "x" * 250 + "@example.com"])
def test_invalid_or_blank_emails_are_skipped_with_a_line(tmp_path, email):
    members, lines = read_members(tmp_path, [member_row(0) | {"email": email}, member_row(1)])
    assert [m.email for m in members] == ["member1@example.com"]
    assert [line.kind for line in lines] == [LineKind.SKIPPED]


def test_a_repeated_address_keeps_the_first_whatever_its_case(tmp_path):
    rows = [member_row(0), member_row(1) | {"email": "MEMBER0@example.com", "name": "Again"}]
    members, lines = read_members(tmp_path, rows)
    assert [m.name for m in members] == ["Member 0"]
    assert "earlier" in lines[0].reason


def test_an_address_in_two_lists_is_read_once(tmp_path):
    first = write_members_csv(tmp_path / "a.csv", [member_row(0)])
    second = write_members_csv(tmp_path / "b.csv", [member_row(0), member_row(1)])
    with open_export([first, second]) as files:
        reader = GhostReader(files)
        reader.check()
        assert reader.count()["subscribers"] == 2


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"status": "paid", "stripe_customer_id": "cus_1"}, PaidKind.PAID),
        ({"status": "comped"}, PaidKind.COMP),
        ({"status": "free", "complimentary_plan": "true"}, PaidKind.COMP),
        ({"status": "free", "stripe_customer_id": "cus_1"}, PaidKind.NONE),
        ({"status": "free"}, PaidKind.NONE),
    ],
)
def test_status_and_plan_decide_what_a_member_pays(tmp_path, fields, kind):
    members, _ = read_members(tmp_path, [member_row(0) | {"complimentary_plan": "false"} | fields])
    assert members[0].paid_kind == kind


def test_without_a_status_column_a_stripe_customer_counts_as_paying_with_a_warning(tmp_path):
    rows = [
        member_row(0) | {"stripe_customer_id": "cus_9", "complimentary_plan": "false"},
        member_row(1) | {"stripe_customer_id": "", "complimentary_plan": "false"},
    ]
    members, lines = read_members(tmp_path, rows, has_status=False)
    assert [m.paid_kind for m in members] == [PaidKind.PAID, PaidKind.NONE]
    assert [line.kind for line in lines] == [LineKind.WARNING]
    assert "1 members" in lines[0].reason


def test_email_preference_labels_and_note(tmp_path):
    row = member_row(0) | {
        "subscribed_to_emails": "false",
        "labels": "a, b ,a",
        "tiers": "Gold,Silver",
        "note": " hi ",
    }
    member = read_members(tmp_path, [row])[0][0]
    assert member.wants_email is False
    assert member.labels == ["a", "b", "Gold", "Silver"]
    assert member.note == "hi"


def test_ghost_4_products_are_labels_too(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("email,products\nx@example.com,Premium\n", encoding="utf-8")
    with open_export([path]) as files:
        reader = GhostReader(files)
        reader.check()
        assert next(reader.subscribers()).labels == ["Premium"]


def test_a_file_with_a_byte_order_mark_and_uppercase_headers_reads(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes("\ufeffEmail,Name\nx@example.com,Xu\n".encode())
    with open_export([path]) as files:
        reader = GhostReader(files)
        reader.check()
        member = next(reader.subscribers())
    assert (member.email, member.name, member.wants_email) == ("x@example.com", "Xu", True)


def test_a_csv_without_an_email_column_is_not_a_ghost_export(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("title,slug\nA,a\n", encoding="utf-8")
    with open_export([path]) as files, pytest.raises(ExportError, match="not a Ghost export"):
        GhostReader(files).check()


def test_a_field_past_the_csv_limit_is_an_export_error(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("email,note\nx@example.com," + "n" * 200_000 + "\n", encoding="utf-8")
    with open_export([path]) as files, pytest.raises(ExportError, match="m.csv"):
        GhostReader(files).check()
