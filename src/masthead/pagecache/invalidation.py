"""Invalidation: every change that alters what a public page shows bumps the version counters
of the pages it alters, in every process at once.

A bump happens twice: at once, inside the transaction that makes the change, and again once that
transaction commits. A page rendered in between (reading the data from before the commit)
is stored under the first bump's versions, which the second makes stale; a rolled-back change
costs one extra render. Model saves and deletes bump through signals; the services' bulk
`update()`s call `publication_changed`, `lists_changed` or `post_changed` themselves.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from masthead.pagecache import health, keys, versions

logger = logging.getLogger(__name__)


def bump(deps) -> None:
    deps = tuple(deps)
    if not deps:
        return
    _bump_now(deps)
    transaction.on_commit(lambda: _bump_now(deps, purge=True), robust=True)


def _bump_now(deps, purge: bool = False) -> None:
    try:
        versions.store().bump(deps)
    except Exception:  # the cache is down: the pages it holds cannot be served either
        health.report_failure("bumping page versions")
    if purge:
        _note_purge(deps)


def site_changed() -> None:
    bump((keys.SITE,))


def publication_changed(publication_id: int) -> None:
    bump((keys.publication_dep(publication_id),))


def lists_changed(publication_id: int) -> None:
    bump((keys.lists_dep(publication_id),))


def post_changed(publication_id: int, slug: str, *, lists: bool = True) -> None:
    deps = [keys.post_dep(publication_id, slug)]
    if lists:
        deps.append(keys.lists_dep(publication_id))
    bump(deps)


def post_id_changed(post_id: int) -> None:
    from masthead.posts.models import Post

    row = Post.objects.filter(pk=post_id).values_list("publication_id", "slug").first()
    if row is not None:
        post_changed(*row)


def _note_purge(deps) -> None:
    """A CDN in front holds anonymous pages for PAGE_CACHE_CDN_SECONDS; a purge URL hears of
    every change at once (see docs/caching.md)."""
    from django.conf import settings

    if settings.PAGE_CACHE_PURGE_URL:
        from masthead.pagecache.tasks import purge_cdn

        try:
            purge_cdn.enqueue(sorted(deps))
        except Exception:
            logger.exception("could not queue a CDN purge")


def note_changed(note_id: int) -> None:
    from masthead.notes.models import Note

    note = Note.objects.filter(pk=note_id).only("publication_id", "author_id").first()
    if note is not None:
        _on_note(note)


def _on_note(note) -> None:
    """A publication's Notes page lists its writers' notes, whichever publication they wrote as;
    a reader's note shows wherever they read, so it changes every page."""
    from masthead.publications.models import Membership

    publication_ids = set(
        Membership.objects.filter(person_id=note.author_id).values_list("publication_id", flat=True)
    )
    if note.publication_id is not None:
        publication_ids.add(note.publication_id)
    if not publication_ids:
        site_changed()
    for publication_id in publication_ids:
        lists_changed(publication_id)


# Signals ----------------------------------------------------------------------------------

PERSON_FIELDS_NOT_SHOWN = {"last_login", "password", "email_verified_at", "updated_at"}


def _publication_of(instance) -> int | None:
    return getattr(instance, "publication_id", None)


def _on_publication_change(instance) -> None:
    # Its name, tagline and logo also show on the About pages of the publications recommending it.
    site_changed()


def _on_routing_change(instance) -> None:
    site_changed()


def _on_whole_publication(instance) -> None:
    publication_id = _publication_of(instance)
    if publication_id is not None:
        publication_changed(publication_id)


def _on_lists(instance) -> None:
    publication_id = _publication_of(instance)
    if publication_id is not None:
        lists_changed(publication_id)
    else:
        site_changed()


def _on_post_engagement(instance) -> None:
    post_id = getattr(instance, "post_id", None)
    if post_id is None:
        comment = getattr(instance, "comment", None)
        post_id = getattr(comment, "post_id", None)
    if post_id is not None:
        post_id_changed(post_id)


def _on_person(instance, update_fields=None, created=False) -> None:
    if created or (update_fields and set(update_fields) <= PERSON_FIELDS_NOT_SHOWN):
        return  # someone new shows nowhere yet; signing in changes no page
    site_changed()  # a name or a picture shows beside comments and notes everywhere


RULES = {
    "publications.Publication": _on_publication_change,
    "publications.PublicationHost": _on_routing_change,
    "publications.Section": _on_whole_publication,
    "publications.Membership": _on_whole_publication,
    "posts.Post": _on_whole_publication,
    "posts.PostAuthor": lambda instance: post_id_changed(instance.post_id),
    "posts.PostSlugRedirect": _on_whole_publication,
    "engagement.Like": _on_post_engagement,
    "engagement.Comment": _on_post_engagement,
    "engagement.CommentLike": _on_post_engagement,
    "engagement.Ban": _on_whole_publication,
    "notes.Note": _on_note,
    "notes.NoteLike": lambda instance: note_changed(instance.note_id),
    "billing.Plan": _on_whole_publication,
    "billing.BillingSettings": _on_whole_publication,
    "billing.PaidSubscription": _on_lists,
    "billing.AccessGrant": _on_lists,
    "referrals.ReferralCode": _on_lists,
    "referrals.Referral": _on_lists,
    "referrals.RewardTier": _on_whole_publication,
    "referrals.Recommendation": _on_whole_publication,
    "subscriptions.Subscription": _on_lists,
}


def _handler(rule):
    def on_change(sender, instance, **kwargs):
        try:
            if rule is _on_person:
                rule(instance, kwargs.get("update_fields"), kwargs.get("created", False))
            else:
                rule(instance)
        except Exception:  # an invalidation must never break the write that caused it
            logger.exception("could not invalidate cached pages after a change to %s", sender)
            health.report_failure("invalidating pages")

    return on_change


_handlers = []


def connect_signals() -> None:
    from django.apps import apps
    from django.conf import settings

    rules = dict(RULES)
    rules[settings.AUTH_USER_MODEL] = _on_person
    for label, rule in rules.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        handler = _handler(rule)
        _handlers.append(handler)  # signals hold weak references
        post_save.connect(handler, sender=model, dispatch_uid=f"pagecache-save-{label}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"pagecache-delete-{label}")
