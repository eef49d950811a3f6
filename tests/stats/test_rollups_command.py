"""`masthead stats rollup`: rebuilds the days asked for, and refuses bad input with a message."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from masthead.stats.models import DailyPublicationStats, RollupRun
from masthead.stats.rollups.days import local_today
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person, make_publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def publication():
    publication = make_publication(slug="weekly")
    Subscription.objects.create(
        publication=publication,
        person=make_person(),
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=dt.datetime(2026, 1, 3, 12, tzinfo=dt.UTC),
    )
    return publication


def test_rollup_of_one_day(publication, capsys):
    call_command("stats", "rollup", "--publication", "weekly", "--day", "2026-01-03")

    row = DailyPublicationStats.objects.get(publication=publication)
    assert (row.day, row.gained, row.total) == (dt.date(2026, 1, 3), 1, 1)
    assert "Rebuilt 1 day(s) of 1 publication(s)." in capsys.readouterr().out


def test_rollup_since_a_day_rebuilds_each_day_to_today(publication):
    since = local_today(publication) - dt.timedelta(days=3)
    call_command("stats", "rollup", "--publication", "weekly", "--since", since.isoformat())

    assert RollupRun.objects.filter(publication=publication).count() == 4


def test_rollup_without_a_day_rebuilds_today_and_yesterday_of_every_publication(publication):
    call_command("stats", "rollup")

    assert RollupRun.objects.filter(publication=publication).count() == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--day", "2026-13-45"], "is not a day"),
        (["--day", "yesterday"], "is not a day"),
        (["--day", "2999-01-01"], "has not begun yet"),
        (["--since", "1970-01-01"], "rebuild at most"),
        (["--day", "0001-01-01"], "nothing to count"),
        (["--publication", "nope"], "There is no publication"),
    ],
)
def test_bad_input_is_refused_with_a_message(publication, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("stats", "rollup", *arguments)
    assert not RollupRun.objects.exists()
