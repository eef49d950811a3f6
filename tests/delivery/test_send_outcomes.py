"""What a careful writer sees of a send: deliveries counted by outcome and the most common
reasons, on the desk's sends page and in `masthead sends`."""

import datetime as dt
import html
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from masthead.delivery.models import Delivery, DeliveryState, SendState
from masthead.delivery.queries import REASON_CHARS, common_reasons, send_outcomes
from masthead.delivery.services.fan_out import create_send
from masthead.posts.models import PostStatus
from masthead.publications.models import Membership, Role
from tests import factories

pytestmark = pytest.mark.django_db

NO_SUCH_USER = "550 5.1.1 No such user here"
GREYLISTED = "451 4.7.1 Greylisted, try again later"
MAILBOX_FULL = "552 5.2.2 Mailbox full"
LONG_REASON = "554 5.7.1 " + "Message refused by policy; see the postmaster pages. " * 8


def add(send, state, count, *, last_error="", attempts=0, next_attempt_at=None):
    start = Delivery.objects.filter(send=send).count()
    Delivery.objects.bulk_create(
        Delivery(
            send=send,
            email=f"r{start + n}@example.com",
            state=state,
            attempts=attempts,
            last_error=last_error,
            next_attempt_at=next_attempt_at,
        )
        for n in range(count)
    )


@pytest.fixture
def owner(publication):
    person = factories.make_person(name="Olive Owner")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


@pytest.fixture
def send(publication, owner):
    """A send with deliveries in every state (nobody subscribed; the rows are written here)."""
    post = factories.make_post(publication, "Field report", status=PostStatus.DRAFT, author=owner)
    send = create_send(post)
    later = timezone.now() + dt.timedelta(minutes=15)
    add(send, DeliveryState.SENT, 6)
    add(send, DeliveryState.BOUNCED, 3, last_error=NO_SUCH_USER, attempts=1)
    add(send, DeliveryState.FAILED, 1, last_error=MAILBOX_FULL, attempts=1)
    add(send, DeliveryState.FAILED, 1, last_error=LONG_REASON, attempts=1)
    add(send, DeliveryState.QUEUED, 2, last_error=GREYLISTED, attempts=1, next_attempt_at=later)
    add(send, DeliveryState.QUEUED, 4)
    add(send, DeliveryState.SENDING, 1)
    add(send, DeliveryState.SUPPRESSED, 2)
    # A delivery put back in the queue after a crash was tried, but nobody refused it.
    add(send, DeliveryState.QUEUED, 1, attempts=1)
    send.recipient_count = Delivery.objects.filter(send=send).count()
    send.save(update_fields=["recipient_count"])
    return send


def test_outcomes_are_counted_in_one_query(send, django_assert_num_queries):
    with django_assert_num_queries(1):
        outcomes = send_outcomes(send.id)

    assert outcomes == {
        "sent": 6,
        "bounced": 3,
        "failed": 2,
        "retrying": 2,
        "queued": 5,
        "sending": 1,
        "suppressed": 2,
    }


def test_common_reasons_are_grouped_most_common_first_in_one_query(send, django_assert_num_queries):
    with django_assert_num_queries(1):
        reasons = common_reasons(send.id)

    assert [count for _, count in reasons] == [3, 2, 1, 1]
    assert reasons[:2] == [(NO_SUCH_USER, 3), (GREYLISTED, 2)]
    assert (MAILBOX_FULL, 1) in reasons
    [long] = [reason for reason, _ in reasons if reason.startswith("554")]
    assert long.endswith("…")
    assert len(long) <= REASON_CHARS + 1


def test_common_reasons_stop_at_the_limit_and_leave_other_sends_out(send, publication, owner):
    other = create_send(factories.make_post(publication, "Other", status=PostStatus.DRAFT))
    add(other, DeliveryState.BOUNCED, 9, last_error="550 5.7.1 Not from here")

    assert common_reasons(send.id, limit=2) == [(NO_SUCH_USER, 3), (GREYLISTED, 2)]
    assert common_reasons(other.id) == [("550 5.7.1 Not from here", 9)]


def page(client, publication):
    response = client.get(reverse("delivery:desk_sends", args=[publication.slug]))
    assert response.status_code == 200
    return response.content.decode()


def count_of(content: str, field: str) -> str:
    found = re.search(rf'<dd data-field="{field}">(\d+)</dd>', content)
    assert found is not None, f"no {field} count on the page"
    return found.group(1)


def test_sends_page_shows_counts_by_outcome_and_common_reasons(client, publication, send, owner):
    client.force_login(owner)

    content = page(client, publication)

    counts = {
        field: count_of(content, field)
        for field in ("queued", "sending", "retrying", "sent", "failed", "bounced", "suppressed")
    }
    assert counts == {
        "queued": "5",
        "sending": "1",
        "retrying": "2",
        "sent": "6",
        "failed": "2",
        "bounced": "3",
        "suppressed": "2",
    }
    reasons = re.search(r'<table class="send-reasons">.*?</table>', content, re.S)
    assert reasons is not None
    rows = re.findall(r"<tr><td>(.*?)</td><td>(\d+)</td></tr>", reasons.group(0))
    assert [(html.unescape(text), n) for text, n in rows[:2]] == [
        (NO_SUCH_USER, "3"),
        (GREYLISTED, "2"),
    ]


def test_progress_json_has_every_outcome(client, send, owner):
    client.force_login(owner)
    url = reverse("delivery:desk_send_progress", args=[send.publication.slug, send.id])

    data = client.get(url).json()

    assert (data["queued"], data["retrying"], data["sending"]) == (5, 2, 1)
    assert (data["sent"], data["bounced"], data["failed"], data["suppressed"]) == (6, 3, 2, 2)
    assert data["done"] == data["recipients"] - 8


def test_a_send_without_problems_shows_no_reasons_and_hides_empty_outcomes(
    client, publication, owner
):
    send = create_send(factories.make_post(publication, "Calm", status=PostStatus.DRAFT))
    add(send, DeliveryState.SENT, 2)
    client.force_login(owner)

    content = page(client, publication)

    assert "send-reasons" not in content
    assert '<div hidden><dt>Retrying</dt><dd data-field="retrying">0</dd></div>' in content


def test_sends_page_queries_stay_fixed_with_reasons(
    client, publication, send, owner, django_assert_max_num_queries
):
    for n in range(5):
        other = create_send(factories.make_post(publication, f"More {n}", status=PostStatus.DRAFT))
        add(other, DeliveryState.FAILED, 1 + n, last_error=f"550 reason {n}", attempts=1)
    client.force_login(owner)

    with django_assert_max_num_queries(9):
        content = page(client, publication)

    assert content.count('<table class="send-reasons">') == 6


def test_sends_command_lists_every_outcome(send, capsys):
    call_command("sends")

    header, row = capsys.readouterr().out.splitlines()[:2]
    columns = header.split()[2:10]
    assert dict(zip(columns, row.split()[2:10], strict=True)) == {
        "RECIPIENTS": "21",
        "QUEUED": "5",
        "SENT": "6",
        "FAILED": "2",
        "BOUNCED": "3",
        "RETRYING": "2",
        "SENDING": "1",
        "SUPPRESSED": "2",
    }


def test_sends_command_shows_one_send_with_its_reasons(send, capsys):
    call_command("sends", str(send.id))

    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:2] == [str(send.id), "sending"]
    start = lines.index("Most common reasons (bounced, failed, retrying):")
    assert lines[start + 1].split(maxsplit=1) == ["3", NO_SUCH_USER]
    assert lines[start + 2].split(maxsplit=1) == ["2", GREYLISTED]


def test_sends_watch_ends_with_the_reasons(send, capsys):
    Delivery.objects.filter(send=send, state__in=["queued", "sending"]).update(
        state=DeliveryState.FAILED, last_error=GREYLISTED
    )
    send.state = SendState.DONE
    send.save(update_fields=["state"])

    call_command("sends", "--watch", str(send.id))

    output = capsys.readouterr().out
    assert "21/21" in output
    assert f"      8  {GREYLISTED}" in output
