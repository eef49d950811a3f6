"""Tasks of the posts app: publishing a scheduled post when its time comes."""

import datetime as dt
import logging

from django.tasks import task

from masthead.posts.services import publish_if_still_scheduled

logger = logging.getLogger(__name__)


@task()
def publish_scheduled_post(post_id: int, scheduled_for_iso: str) -> bool:
    """Publish the post if it is still scheduled for this moment; a stale task does nothing.

    Rescheduling enqueues a new task with the new moment, and unpublishing or deleting the post
    leaves no scheduled row to match, so only the latest schedule publishes.
    """
    scheduled_for = dt.datetime.fromisoformat(scheduled_for_iso)
    is_published = publish_if_still_scheduled(post_id, scheduled_for)
    if not is_published:
        logger.info("Post %s was not scheduled for %s any more", post_id, scheduled_for_iso)
    return is_published
