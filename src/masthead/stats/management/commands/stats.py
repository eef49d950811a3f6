"""`masthead stats rollup`: rebuild the dashboard's tables for one day, a range of days up to
today, or (with no day) today and yesterday, of one publication or of all."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from masthead.publications.models import Publication
from masthead.stats.rollups import rebuild_day
from masthead.stats.rollups.days import local_today
from masthead.stats.rollups.rebuild import publications_to_roll_up

MAX_DAYS = 3660  # ten years: a longer range is a typo
EARLIEST = dt.date(1970, 1, 1)  # nothing older exists, and year 1 overflows in some zones


def parse_day(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a day (YYYY-MM-DD).") from None
    if day < EARLIEST:
        raise CommandError(f"{day} is before {EARLIEST}: there is nothing to count.")
    return day


class Command(BaseCommand):
    help = "Rebuild the stats rollups (masthead stats rollup [--publication SLUG] [--day D])."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rollup"], help="what to do")
        parser.add_argument("--publication", metavar="SLUG", help="only this publication")
        days = parser.add_mutually_exclusive_group()
        days.add_argument("--day", metavar="YYYY-MM-DD", help="rebuild this local day")
        days.add_argument(
            "--since", metavar="YYYY-MM-DD", help="rebuild every day from this one to today"
        )

    def handle(self, *args, action, publication, day, since, **options):
        publications = self._publications(publication)
        rebuilt = 0
        for target in publications:
            today = local_today(target)
            for each in self._days(today, day, since):
                rebuild_day(target, each)
                rebuilt += 1
        self.stdout.write(f"Rebuilt {rebuilt} day(s) of {len(publications)} publication(s).")

    def _publications(self, slug: str | None) -> list[Publication]:
        if slug is None:
            return list(publications_to_roll_up(timezone.now()))
        publication = Publication.objects.filter(slug=slug).first()
        if publication is None:
            raise CommandError(f"There is no publication {slug!r}.")
        return [publication]

    def _days(self, today: dt.date, day: str | None, since: str | None) -> list[dt.date]:
        if day is not None:
            chosen = parse_day(day)
            if chosen > today:
                raise CommandError(f"{chosen} has not begun yet (today is {today}).")
            return [chosen]
        if since is None:
            return [today - dt.timedelta(days=1), today]
        first = parse_day(since)
        if first > today:
            raise CommandError(f"{first} has not begun yet (today is {today}).")
        count = (today - first).days + 1
        if count > MAX_DAYS:
            raise CommandError(f"That is {count} days; rebuild at most {MAX_DAYS} at once.")
        return [first + dt.timedelta(days=offset) for offset in range(count)]
