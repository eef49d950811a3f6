"""Unique visitors without a cookie (a daily-salted hash, never the raw address), and the
parsers that read a request's headers, on ordinary and on hostile input."""

import datetime as dt

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from masthead.stats import agents, visits
from masthead.stats.models import PageHit, VisitorSalt
from masthead.stats.visits import Viewer
from tests.stats.collecting import BROWSER, IPHONE, fresh_collector, visit

pytestmark = pytest.mark.django_db(transaction=True)  # the WSGI handler closes connections


@pytest.fixture
def collector(settings):
    yield from fresh_collector(settings)


ADDRESS = "203.0.113.77"


def viewer(address: str = ADDRESS, user_agent: str = BROWSER) -> Viewer:
    return Viewer(address, user_agent, "", "", "", "")


def count(collector, publication, **fields) -> None:
    collector.count_view(publication.id, viewer(**fields), host="testserver", path="/")


def test_the_same_address_and_agent_on_one_day_is_one_visitor(collector, publication):
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        count(collector, publication)
        count(collector, publication)
    with time_machine.travel(dt.datetime(2026, 3, 1, 23, 59, tzinfo=dt.UTC), tick=False):
        count(collector, publication)
        count(collector, publication, user_agent=IPHONE)
        count(collector, publication, address="203.0.113.78")
        collector.flush()
    visitors = list(PageHit.objects.order_by("id").values_list("visitor", flat=True))
    assert visitors[0] == visitors[1] == visitors[2]
    assert len(set(visitors)) == 3
    assert all(len(visitor) == 32 and int(visitor, 16) >= 0 for visitor in visitors)


def test_the_raw_address_is_stored_nowhere(collector, post_page_hits):
    for row in PageHit.objects.values():
        assert not any(ADDRESS in str(value) for value in row.values())
        assert not any(BROWSER in str(value) for value in row.values())


@pytest.fixture
def post_page_hits(collector, publication):
    visit("/about/", address=ADDRESS)
    visit("/about/", address=ADDRESS)
    collector.flush()
    assert PageHit.objects.count() == 2


def test_salts_rotate_each_day_and_old_ones_are_deleted(collector, publication):
    days = [dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC) for day in (1, 2, 3)]
    for moment in days:
        with time_machine.travel(moment, tick=False):
            count(collector, publication)
            collector.flush()
    visitors = list(PageHit.objects.order_by("id").values_list("visitor", flat=True))
    assert len(set(visitors)) == 3  # one reader, three days: not followed from day to day
    assert sorted(VisitorSalt.objects.values_list("day", flat=True)) == [
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 3),
    ]
    salts = VisitorSalt.objects.values_list("salt", flat=True)
    assert len(set(salts)) == 2 and all(len(salt) == 64 for salt in salts)


def test_a_view_just_before_midnight_keeps_its_own_days_salt(collector, publication):
    with time_machine.travel(dt.datetime(2026, 3, 1, 23, 59, 59, tzinfo=dt.UTC), tick=False):
        count(collector, publication)
    with time_machine.travel(dt.datetime(2026, 3, 2, 0, 0, 1, tzinfo=dt.UTC), tick=False):
        count(collector, publication)
        collector.flush()
    first, second = PageHit.objects.order_by("id")
    assert first.viewed_at.date() == dt.date(2026, 3, 1)
    assert first.visitor != second.visitor
    assert set(VisitorSalt.objects.values_list("day", flat=True)) == {
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 2),
    }


@pytest.mark.parametrize(
    ("header", "country"),
    [
        ("en-GB,en;q=0.9", "GB"),
        ("fr,fr-FR;q=0.8,en-US;q=0.5", "FR"),
        ("zh-Hant-TW", "TW"),
        ("pt_br", "BR"),
        ("es-419", ""),
        ("en", ""),
        ("", ""),
        ("*", ""),
    ],
)
def test_the_country_comes_from_the_accept_language_region(header, country):
    assert visits.country_of(header) == country


@pytest.mark.parametrize(
    ("referer", "host"),
    [
        ("https://www.Example.com/a?b=c", "example.com"),
        ("http://news.example.org:8080/", "news.example.org"),
        ("https://testserver/p/x/", ""),
        ("https://www.testserver/", ""),
        ("android-app://com.google.android.gm/", "com.google.android.gm"),
        ("http://[::1", ""),
        ("nonsense", ""),
        ("", ""),
    ],
)
def test_the_referrer_host_leaves_out_our_own(referer, host):
    assert visits.referrer_host(referer, "testserver:8000") == host


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (BROWSER, "desktop"),
        (IPHONE, "mobile"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit Mobile Safari/537.36", "mobile"),
        ("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit Safari/537.36", "tablet"),
        ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Mobile/15E148", "tablet"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)", "desktop"),
        ("SomethingElse/1.0", "other"),
    ],
)
def test_the_device_comes_from_the_user_agent(user_agent, device):
    assert agents.device_of(user_agent) == device
    assert not agents.is_bot(user_agent)


def test_utm_parameters_are_read_from_the_query():
    assert visits.utm_of_query("utm_source=a&utm_medium=b&utm_campaign=c&x=1") == {
        "utm_source": "a",
        "utm_medium": "b",
        "utm_campaign": "c",
    }
    assert visits.utm_of_query("utm_source=&utm_medium=%20%20") == {}
    assert visits.utm_of_query("utm_source=" + "y" * 500) == {"utm_source": "y" * 100}
    assert visits.utm_of_query("page=2") == {}


@given(st.text(max_size=300))
def test_the_header_parsers_take_any_text(text):
    for parsed in (
        visits.country_of(text),
        visits.referrer_host(text, text),
        visits.utm_of_query(text),
        visits.as_unicode(text),
        agents.device_of(text),
    ):
        assert parsed is not None
    agents.is_bot(text)
    assert "\x00" not in visits.clean(text, 100)
