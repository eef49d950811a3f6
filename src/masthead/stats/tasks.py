"""Rollup tasks: rebuild one publication's day (a backfill after an import, say) or the
recent days of all publications, off the request path."""

import datetime as dt

from django.tasks import task

from masthead.publications.models import Publication
from masthead.stats.rollups import rebuild_day, rebuild_recent


@task()
def rebuild_publication_day(publication_id: int, day: str) -> bool:
    """Rebuild a publication's day (ISO date); False when the publication is gone."""
    publication = Publication.objects.filter(id=publication_id).first()
    if publication is None:
        return False
    rebuild_day(publication, dt.date.fromisoformat(day))
    return True


@task()
def rebuild_recent_days() -> int:
    """Rebuild today and yesterday of every publication; the number of days rebuilt."""
    return rebuild_recent()
