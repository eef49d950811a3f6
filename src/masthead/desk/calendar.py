"""The desk's calendar: one month of a publication's posts, scheduled notes and automation emails.

Everything is placed on the day it happens in the publication's time zone. The month is read
with a fixed number of queries (posts, notes, then the automations' own reader), whatever the
number of entries.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from masthead.core.time_zones import in_time_zone_of, zone_of
from masthead.notes.models import Note
from masthead.posts.models import Post, PostKind, PostStatus
from masthead.publications.links import site_path
from masthead.publications.models import Publication

MONTH_PATTERN = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})", re.ASCII)
# Wide enough for imported archives and plans years ahead; narrow enough that a month's bounds
# in any time zone stay far from datetime's limits.
FIRST_YEAR, LAST_YEAR = 1900, 2999
BAD_MONTH = "Ask for a month like 2026-12 (a year from 1900 to 2999, a month from 01 to 12)."
NOTE_TITLE_CHARS = 60
# A day's "schedule a post" link proposes this hour of that day.
PROPOSED_HOUR = 9


class BadMonth(ValueError):
    """The ?month value is not a month the calendar shows; the message is safe to show."""


@dataclass(frozen=True)
class Entry:
    """One thing on the calendar; automation entries come with the same four first fields."""

    when: dt.datetime
    title: str
    kind_label: str
    url: str
    is_done: bool = False  # published already: shown muted
    is_emailed: bool = False  # goes (or went) out by email too
    css_kind: str = "automation"


@dataclass
class Day:
    date: dt.date
    is_in_month: bool
    is_today: bool
    new_post_url: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Month:
    first_day: dt.date
    zone_name: str
    weeks: list[list[Day]]
    previous_first_day: dt.date
    next_first_day: dt.date
    today_month: str
    weekday_names: list[tuple[str, str]]  # (abbreviation, full name), Monday first

    @property
    def previous_month(self) -> str:
        return month_param(self.previous_first_day)

    @property
    def next_month(self) -> str:
        return month_param(self.next_first_day)

    @property
    def is_this_month(self) -> bool:
        return month_param(self.first_day) == self.today_month

    @property
    def entry_count(self) -> int:
        return sum(len(day.entries) for week in self.weeks for day in week)


def month_param(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(value: str | None, today: dt.date) -> dt.date:
    """The first day of the month asked for; today's month when none is asked for."""
    if value is None or value == "":
        return today.replace(day=1)
    match = MONTH_PATTERN.fullmatch(value)
    if match is None:
        raise BadMonth(BAD_MONTH)
    year, month = int(match["year"]), int(match["month"])
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise BadMonth(BAD_MONTH)
    return dt.date(year, month, 1)


def _shift_month(first_day: dt.date, months: int) -> dt.date:
    index = first_day.year * 12 + first_day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _midnight(day: dt.date, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


def _post_entries(publication: Publication, start, end) -> list[Entry]:
    posts = (
        Post.objects.filter(
            publication=publication,
            status__in=(PostStatus.SCHEDULED, PostStatus.PUBLISHED),
            published_at__gte=start,
            published_at__lt=end,
        )
        .only("id", "title", "status", "kind", "published_at", "email_requested")
        .order_by("published_at", "id")
    )
    entries = []
    for post in posts:
        is_done = post.status == PostStatus.PUBLISHED
        noun = "page" if post.kind == PostKind.PAGE else "post"
        entries.append(
            Entry(
                when=post.published_at,
                title=post.title or "Untitled",
                kind_label=f"{'Published' if is_done else 'Scheduled'} {noun}",
                url=reverse("desk:post_edit", args=[publication.slug, post.id]),
                is_done=is_done,
                is_emailed=bool(post.email_requested),
                css_kind="post",
            )
        )
    return entries


def _note_title(note: Note) -> str:
    text = " ".join(note.body_markdown.split())
    if not text:
        return "Note with an image" if note.image else "Note"
    if len(text) <= NOTE_TITLE_CHARS:
        return text
    return text[: NOTE_TITLE_CHARS - 1].rstrip() + "…"


def _note_entries(publication: Publication, start, end) -> list[Entry]:
    notes = (
        Note.objects.filter(
            publication=publication,
            is_deleted=False,
            scheduled_for__gte=start,
            scheduled_for__lt=end,
        )
        .only("id", "body_markdown", "image", "scheduled_for")
        .order_by("scheduled_for", "id")
    )
    # /pub/<slug>/ answers on every host, so the desk can link to the note's page (which its
    # staff may see before the note is published).
    root = f"/pub/{publication.slug}"
    return [
        Entry(
            when=note.scheduled_for,
            title=_note_title(note),
            kind_label="Scheduled note",
            url=root + site_path("notes:detail", note.id),
            css_kind="note",
        )
        for note in notes
    ]


def _automation_entries(publication: Publication, start, end) -> list[Entry]:
    from masthead.automations.queries import scheduled_between

    return [
        Entry(when=item.when, title=item.title, kind_label=item.kind_label, url=item.url)
        for item in scheduled_between(publication, start, end)
    ]


def _weekday_names() -> list[tuple[str, str]]:
    monday = dt.date(2024, 1, 1)  # a Monday
    days = [monday + dt.timedelta(days=offset) for offset in range(7)]
    return [(day.strftime("%a"), day.strftime("%A")) for day in days]


def build_month(publication: Publication, first_day: dt.date, now=None) -> Month:
    """The month starting on `first_day` (Monday-first weeks), as the publication sees it."""
    zone = zone_of(publication)
    today = (now or timezone.now()).astimezone(zone).date()
    next_first = _shift_month(first_day, 1)
    start, end = _midnight(first_day, zone), _midnight(next_first, zone)
    with in_time_zone_of(publication):
        entries = [
            *_post_entries(publication, start, end),
            *_note_entries(publication, start, end),
            *_automation_entries(publication, start, end),
        ]
    by_day: dict[dt.date, list[Entry]] = {}
    for entry in sorted(entries, key=lambda entry: entry.when):
        by_day.setdefault(entry.when.astimezone(zone).date(), []).append(entry)
    new_post = reverse("desk:post_new", args=[publication.slug])
    weeks = [
        [
            Day(
                date=day,
                is_in_month=day.month == first_day.month,
                is_today=day == today,
                new_post_url=f"{new_post}?publish_at={day.isoformat()}T{PROPOSED_HOUR:02d}:00",
                entries=by_day.get(day, []) if day.month == first_day.month else [],
            )
            for day in week
        ]
        for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
            first_day.year, first_day.month
        )
    ]
    return Month(
        first_day=first_day,
        zone_name=str(zone.key),
        weeks=weeks,
        previous_first_day=_shift_month(first_day, -1),
        next_first_day=next_first,
        today_month=month_param(today),
        weekday_names=_weekday_names(),
    )


def current_month(publication: Publication, now=None) -> dt.date:
    """The first day of this month in the publication's time zone."""
    return (now or timezone.now()).astimezone(zone_of(publication)).date().replace(day=1)
