"""Publishing, scheduling through the real worker, unpublishing, deleting, previewing as a reader."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from masthead.posts import services
from masthead.posts.models import Post, PostStatus
from masthead.posts.tasks import publish_scheduled_post
from tests.desk.editing import edit_url, editor_data
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def local_input(moment: dt.datetime) -> str:
    """A moment as a datetime-local input sends it, in the install's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def in_minutes(minutes: int) -> dt.datetime:
    return (timezone.now() + dt.timedelta(minutes=minutes)).replace(second=0, microsecond=0)


def schedule(client, post, moment: dt.datetime, **fields):
    data = editor_data(action="schedule", publish_at=local_input(moment), **fields)
    return client.post(edit_url(post), data)


def detail(client, post):
    return client.get(reverse("posts:detail", args=[post.slug]))


def test_publish_now_makes_the_draft_public(author_client, publication, draft):
    response = author_client.post(edit_url(draft), editor_data(action="publish"))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PostStatus.PUBLISHED
    assert timezone.now() - draft.published_at < dt.timedelta(seconds=5)
    assert detail(author_client, draft).status_code == 200
    assert "A draft" in author_client.get(reverse("posts:archive")).text


def test_publish_now_saves_the_latest_text_too(author_client, publication, draft):
    author_client.post(edit_url(draft), editor_data(action="publish", body_markdown="Final."))

    draft.refresh_from_db()
    assert draft.body_html == "<p>Final.</p>\n"


def test_publishing_with_send_as_email_records_the_request(author_client, publication, draft):
    author_client.post(
        edit_url(draft), editor_data(action="publish", send_email="on", confirm_send="on")
    )

    draft.refresh_from_db()
    assert draft.email_requested is True
    assert timezone.now() - draft.email_requested_at < dt.timedelta(seconds=5)


def test_publishing_without_the_email_box_records_no_request(author_client, publication, draft):
    author_client.post(edit_url(draft), editor_data(action="publish"))

    draft.refresh_from_db()
    assert draft.email_requested is False
    assert draft.email_requested_at is None


def test_publishing_again_keeps_the_email_request_made_when_first_published(
    author_client, publication, draft
):
    author_client.post(
        edit_url(draft), editor_data(action="publish", send_email="on", confirm_send="on")
    )
    draft.refresh_from_db()
    requested_at = draft.email_requested_at

    author_client.post(edit_url(draft), editor_data(action="publish", slug=draft.slug))

    draft.refresh_from_db()
    assert draft.email_requested is True
    assert draft.email_requested_at == requested_at


def test_drafts_and_scheduled_posts_are_never_public(client, publication, draft, author):
    scheduled = make_post(publication, "Soon", status=PostStatus.DRAFT, author=author)
    services.schedule_post(scheduled, in_minutes(60))

    for post in (draft, scheduled):
        assert detail(client, post).status_code == 404
    assert "A draft" not in client.get(reverse("posts:archive")).text
    assert "Soon" not in client.get(reverse("posts:home")).text


# Scheduling


def test_scheduling_makes_the_post_scheduled_for_that_time(author_client, publication, draft):
    moment = in_minutes(90)

    response = schedule(author_client, draft, moment, send_email="on", confirm_send="on")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PostStatus.SCHEDULED
    assert draft.published_at == moment
    assert draft.email_requested is True


def test_scheduling_enqueues_the_publishing_task_for_that_time(author_client, publication, draft):
    moment = in_minutes(90)

    schedule(author_client, draft, moment)

    task = DBTaskResult.objects.get(task_path=publish_scheduled_post.module_path)
    assert task.run_after == moment
    assert task.args_kwargs == {"args": [draft.id, moment.isoformat()], "kwargs": {}}


def test_the_schedule_time_is_read_in_the_publications_time_zone(
    author_client, publication, draft, settings
):
    settings.TIME_ZONE = "Asia/Tokyo"  # the install's zone is not the one the writer keeps
    publication.time_zone = "Europe/Paris"
    publication.save(update_fields=["time_zone"])

    author_client.post(
        edit_url(draft), editor_data(action="schedule", publish_at="2031-01-15T10:00")
    )

    draft.refresh_from_db()
    assert draft.published_at == dt.datetime(2031, 1, 15, 9, 0, tzinfo=dt.UTC)


def test_a_time_in_the_past_is_refused_and_nothing_is_saved(author_client, publication, draft):
    response = schedule(author_client, draft, in_minutes(-5), body_markdown="Changed.")

    assert response.status_code == 400
    assert "has already passed. Pick a time in the future." in response.text
    assert "Nothing was saved." in response.text
    draft.refresh_from_db()
    assert draft.status == PostStatus.DRAFT
    assert draft.body_markdown == "Draft *words*."
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize("value", ["tomorrow", "2030-13-45T10:00", "99999-01-01T10:00", "T"])
def test_a_malformed_time_is_refused(author_client, publication, draft, value):
    response = author_client.post(edit_url(draft), editor_data(action="schedule", publish_at=value))

    assert response.status_code == 400
    assert "Enter a date and time, like 2026-12-01 09:00." in response.text
    draft.refresh_from_db()
    assert draft.status == PostStatus.DRAFT


def test_scheduling_without_a_time_asks_for_one(author_client, publication, draft):
    response = author_client.post(edit_url(draft), editor_data(action="schedule", publish_at=""))

    assert response.status_code == 400
    assert "Pick the date and time the post should go out." in response.text


def test_a_time_years_ahead_is_refused(author_client, publication, draft):
    response = author_client.post(
        edit_url(draft), editor_data(action="schedule", publish_at="9999-12-31T23:59")
    )

    assert response.status_code == 400
    assert "at most five years ahead" in response.text


def test_a_published_post_cannot_be_scheduled(author_client, publication, author):
    post = make_post(publication, "Live", author=author)

    response = schedule(author_client, post, in_minutes(30), title="Live", slug=post.slug)

    assert response.status_code == 400
    assert "already published" in response.text
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_the_worker_leaves_a_scheduled_post_alone_before_its_time(
    author_client, publication, draft, run_worker
):
    schedule(author_client, draft, in_minutes(30))

    run_worker()

    draft.refresh_from_db()
    assert draft.status == PostStatus.SCHEDULED


def test_the_worker_publishes_a_scheduled_post_when_its_time_comes(
    author_client, publication, draft, run_worker
):
    moment = in_minutes(30)
    schedule(author_client, draft, moment)

    with time_machine.travel(moment + dt.timedelta(seconds=1), tick=True):
        run_worker()

    draft.refresh_from_db()
    assert draft.status == PostStatus.PUBLISHED
    assert draft.published_at == moment
    assert detail(author_client, draft).status_code == 200


def test_after_a_reschedule_the_stale_task_does_nothing(
    author_client, publication, draft, run_worker
):
    first, second = in_minutes(30), in_minutes(120)
    schedule(author_client, draft, first)
    schedule(author_client, draft, second)

    with time_machine.travel(first + dt.timedelta(minutes=1), tick=True):
        run_worker()
    draft.refresh_from_db()
    assert draft.status == PostStatus.SCHEDULED
    assert draft.published_at == second

    with time_machine.travel(second + dt.timedelta(minutes=1), tick=True):
        run_worker()
    draft.refresh_from_db()
    assert draft.status == PostStatus.PUBLISHED
    assert draft.published_at == second
    assert DBTaskResult.objects.filter(return_value=False).count() == 1


def test_after_moving_the_schedule_earlier_the_later_task_does_not_touch_the_post(
    author_client, publication, draft, run_worker
):
    later, earlier = in_minutes(120), in_minutes(30)
    schedule(author_client, draft, later)
    schedule(author_client, draft, earlier)

    with time_machine.travel(later + dt.timedelta(minutes=1), tick=True):
        run_worker()

    draft.refresh_from_db()
    assert draft.status == PostStatus.PUBLISHED
    assert draft.published_at == earlier


def test_after_unpublishing_a_scheduled_post_its_task_does_nothing(
    author_client, publication, draft, run_worker
):
    moment = in_minutes(30)
    schedule(author_client, draft, moment)
    author_client.post(reverse("desk:post_unpublish", args=[publication.slug, draft.id]))

    with time_machine.travel(moment + dt.timedelta(minutes=1), tick=True):
        run_worker()

    draft.refresh_from_db()
    assert draft.status == PostStatus.DRAFT
    assert draft.published_at is None
    assert detail(author_client, draft).status_code == 404


def test_a_task_for_a_deleted_post_does_nothing(author_client, publication, draft, run_worker):
    moment = in_minutes(30)
    schedule(author_client, draft, moment)
    author_client.post(reverse("desk:post_delete", args=[publication.slug, draft.id]))

    with time_machine.travel(moment + dt.timedelta(minutes=1), tick=True):
        run_worker()

    assert not Post.objects.exists()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_publishing_a_scheduled_post_now_dates_it_now_and_its_task_does_nothing(
    author_client, publication, draft, run_worker
):
    moment = in_minutes(30)
    schedule(author_client, draft, moment)
    author_client.post(edit_url(draft), editor_data(action="publish"))
    draft.refresh_from_db()
    published_at = draft.published_at

    with time_machine.travel(moment + dt.timedelta(minutes=1), tick=True):
        run_worker()

    draft.refresh_from_db()
    assert published_at < moment
    assert draft.published_at == published_at


# Unpublishing and deleting


def test_unpublishing_takes_a_post_off_the_site(author_client, publication, author):
    post = make_post(publication, "Live", author=author)

    response = author_client.post(reverse("desk:post_unpublish", args=[publication.slug, post.id]))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    assert post.published_at is None
    assert detail(author_client, post).status_code == 404


def test_unpublishing_drops_a_pending_email_request(author_client, publication, draft):
    schedule(author_client, draft, in_minutes(30), send_email="on", confirm_send="on")

    author_client.post(reverse("desk:post_unpublish", args=[publication.slug, draft.id]))

    draft.refresh_from_db()
    assert draft.email_requested is False
    assert draft.email_requested_at is None


def test_delete_first_asks_for_confirmation(author_client, publication, draft):
    response = author_client.get(reverse("desk:post_delete", args=[publication.slug, draft.id]))

    assert response.status_code == 200
    assert "Delete “A draft”?" in response.text
    assert "This cannot be undone." in response.text
    assert Post.objects.filter(id=draft.id).exists()


def test_confirming_deletes_the_post(author_client, publication, draft):
    response = author_client.post(reverse("desk:post_delete", args=[publication.slug, draft.id]))

    assert response.status_code == 302
    assert response["Location"] == reverse("desk:post_list", args=[publication.slug])
    assert not Post.objects.filter(id=draft.id).exists()


# Preview as a reader


def test_the_reader_preview_shows_a_draft_to_its_author(author_client, publication, draft):
    response = author_client.get(reverse("desk:post_preview", args=[publication.slug, draft.id]))

    assert response.status_code == 200
    assert '<h1 class="post__title">A draft</h1>' in response.text
    assert "<p>Draft <em>words</em>.</p>" in response.text
    assert "This is a draft; readers cannot see it yet." in response.text
    assert '<meta name="robots" content="noindex">' in response.text


def test_the_reader_preview_links_to_the_posts_own_publication(author_client, publication, draft):
    response = author_client.get(reverse("desk:post_preview", args=[publication.slug, draft.id]))

    assert f'href="/pub/{publication.slug}/archive/"' in response.text
    assert f'href="{edit_url(draft)}"' in response.text
