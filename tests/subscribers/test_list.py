"""The desk's subscriber list: search, filters, counts and paging, at a fixed query count."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from masthead.subscriptions.desk_queries import SUBSCRIBERS_PAGE_SIZE
from masthead.subscriptions.models import SubscriptionSource, SubscriptionStatus

pytestmark = pytest.mark.django_db


def listed_emails(response) -> list[str]:
    return re.findall(r'<td class="subscriber-email">([^<]+)</td>', response.text)


def count_shown(response, name: str) -> str:
    return re.search(rf'data-count="{name}">\s*([^<]+?)\s*<', response.text).group(1)


@pytest.fixture
def list_page(owner_client, publication):
    def get(**params):
        response = owner_client.get(
            reverse("desk:subscriber_list", args=[publication.slug]), params
        )
        assert response.status_code == 200
        return response

    return get


def day(number: int) -> dt.datetime:
    return dt.datetime(2025, 3, number, 12, tzinfo=dt.UTC)


def test_the_list_shows_email_name_status_source_and_date(list_page, publication, subscribe):
    subscribe(publication, "ada@example.com", name="Ada Lovelace", created_at=day(4))

    response = list_page()

    assert listed_emails(response) == ["ada@example.com"]
    row = re.search(r'<tr class="subscriber-row">(.*?)</tr>', response.text, re.S).group(1)
    assert "Ada Lovelace" in row
    assert "Subscribed" in row
    assert "Website" in row
    assert "Mar 4, 2025" in row


def test_the_list_shows_newest_first(list_page, publication, subscribe):
    subscribe(publication, "old@example.com", created_at=day(1))
    subscribe(publication, "new@example.com", created_at=day(3))

    assert listed_emails(list_page()) == ["new@example.com", "old@example.com"]


def test_the_list_leaves_out_other_publications_subscribers(list_page, publication, subscribe):
    from tests.factories import make_publication

    subscribe(make_publication(), "elsewhere@example.com")

    assert listed_emails(list_page()) == []


def test_search_finds_a_part_of_an_email(list_page, publication, subscribe):
    subscribe(publication, "grace.hopper@navy.example")
    subscribe(publication, "ada@example.com")

    assert listed_emails(list_page(q="HOPPER@")) == ["grace.hopper@navy.example"]


def test_search_finds_a_part_of_a_name(list_page, publication, subscribe):
    subscribe(publication, "gh@example.com", name="Grace Hopper")
    subscribe(publication, "al@example.com", name="Ada Lovelace")

    assert listed_emails(list_page(q="hopp")) == ["gh@example.com"]


def test_the_status_filter_keeps_only_that_status(list_page, publication, subscribe):
    subscribe(publication, "active@example.com")
    subscribe(publication, "gone@example.com", status=SubscriptionStatus.UNSUBSCRIBED)
    subscribe(publication, "waiting@example.com", status=SubscriptionStatus.PENDING)

    assert listed_emails(list_page(status="unsubscribed")) == ["gone@example.com"]


def test_the_source_filter_keeps_only_that_source(list_page, publication, subscribe):
    subscribe(publication, "web@example.com")
    subscribe(publication, "imported@example.com", source=SubscriptionSource.IMPORT)

    assert listed_emails(list_page(source="import")) == ["imported@example.com"]


def test_the_date_range_includes_both_ends(list_page, publication, subscribe):
    for number in (1, 2, 3, 4, 5):
        subscribe(publication, f"day{number}@example.com", created_at=day(number))

    response = list_page(subscribed_from="2025-03-02", subscribed_to="2025-03-04")

    assert listed_emails(response) == ["day4@example.com", "day3@example.com", "day2@example.com"]


def test_filters_combine(list_page, publication, subscribe):
    subscribe(publication, "a1@example.com", source=SubscriptionSource.IMPORT)
    subscribe(
        publication,
        "a2@example.com",
        source=SubscriptionSource.IMPORT,
        status=SubscriptionStatus.UNSUBSCRIBED,
    )
    subscribe(publication, "b1@example.com")

    response = list_page(q="a", source="import", status="active")

    assert listed_emails(response) == ["a1@example.com"]


def test_counts_show_totals_by_status(list_page, publication, subscribe):
    for number in range(3):
        subscribe(publication, f"active{number}@example.com")
    subscribe(publication, "waiting@example.com", status=SubscriptionStatus.PENDING)
    subscribe(publication, "gone@example.com", status=SubscriptionStatus.UNSUBSCRIBED)

    response = list_page()

    assert count_shown(response, "total") == "5"
    assert count_shown(response, "active") == "3"
    assert count_shown(response, "pending") == "1"
    assert count_shown(response, "unsubscribed") == "1"


def test_counts_say_how_many_match_the_filters(list_page, publication, subscribe):
    for number in range(3):
        subscribe(publication, f"active{number}@example.com")
    subscribe(publication, "gone@example.com", status=SubscriptionStatus.UNSUBSCRIBED)

    response = list_page(status="active")

    assert "3 of 4 subscribers match." in " ".join(response.text.split())
    assert count_shown(response, "total") == "4"


def test_the_list_is_paged_by_fifty(list_page, publication, subscribe):
    for number in range(SUBSCRIBERS_PAGE_SIZE + 3):
        subscribe(publication, f"reader{number:03}@example.com", created_at=day(1))

    first, second = list_page(), list_page(page=2)

    assert len(listed_emails(first)) == SUBSCRIBERS_PAGE_SIZE
    assert len(listed_emails(second)) == 3
    assert "Page 1 of 2" in first.text
    assert not set(listed_emails(first)) & set(listed_emails(second))


def test_page_links_keep_the_filters(list_page, publication, subscribe):
    for number in range(SUBSCRIBERS_PAGE_SIZE + 1):
        subscribe(publication, f"reader{number:03}@example.com")

    response = list_page(q="reader", status="active")

    assert 'href="?q=reader&amp;status=active&amp;page=2"' in response.text


def test_a_page_number_out_of_range_shows_the_last_page(list_page, publication, subscribe):
    subscribe(publication, "only@example.com")

    assert listed_emails(list_page(page="99")) == ["only@example.com"]
    assert listed_emails(list_page(page="x")) == ["only@example.com"]


@pytest.mark.parametrize("size", [5, 120])
def test_the_list_costs_the_same_queries_whatever_its_size(
    list_page, publication, subscribe, django_assert_max_num_queries, size
):
    for number in range(size):
        subscribe(publication, f"reader{number}@example.com")

    # The site's publication lookups (2), session, person, membership, counts, the page of rows.
    with django_assert_max_num_queries(7):
        list_page(q="reader", status="active", subscribed_from="2020-01-01")


def test_an_unknown_status_is_ignored_with_a_note(list_page, publication, subscribe):
    subscribe(publication, "active@example.com")
    subscribe(publication, "gone@example.com", status=SubscriptionStatus.UNSUBSCRIBED)

    response = list_page(status="bogus")

    assert len(listed_emails(response)) == 2
    assert "“bogus” is not a status, so the status filter was ignored." in response.text


def test_an_unknown_source_is_ignored_with_a_note(list_page, publication, subscribe):
    subscribe(publication, "web@example.com")

    response = list_page(source="<b>carrier pigeon</b>")

    assert listed_emails(response) == ["web@example.com"]
    assert "“&lt;b&gt;carrier pigeon&lt;/b&gt;” is not a source" in response.text


def test_a_malformed_date_is_ignored_with_a_note_and_the_other_filters_still_apply(
    list_page, publication, subscribe
):
    subscribe(publication, "early@example.com", created_at=day(1))
    subscribe(publication, "late@example.com", created_at=day(5))

    response = list_page(subscribed_from="2025-13-45", subscribed_to="2025-03-02")

    assert listed_emails(response) == ["early@example.com"]
    assert "“2025-13-45” is not a date" in response.text


def test_an_empty_list_invites_an_import(list_page, publication):
    response = list_page()

    assert "No subscribers yet" in response.text
    assert reverse("desk:subscriber_import", args=[publication.slug]) in response.text


def test_a_search_with_a_null_character_is_ignored_with_a_note(list_page, publication, subscribe):
    subscribe(publication, "ada@example.com")

    response = list_page(q="ada\x00")

    assert listed_emails(response) == ["ada@example.com"]
    assert "so it was ignored" in response.text
