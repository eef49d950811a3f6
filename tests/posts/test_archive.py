"""The archive's three orderings, month grouping and paging, as readers see them."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from masthead.posts.models import PostStatus
from masthead.posts.queries import ARCHIVE_PAGE_SIZE
from tests.factories import add_comments, add_likes, make_post

pytestmark = pytest.mark.django_db


def day(number: int) -> dt.datetime:
    return dt.datetime(2025, 3, number, 9, tzinfo=dt.UTC)


def listed_slugs(response) -> list[str]:
    return re.findall(r'class="post-item" data-slug="([^"]+)"', response.text)


def archive(client, sort="new", page=1):
    response = client.get(reverse("posts:archive"), {"sort": sort, "page": page})
    assert response.status_code == 200
    return response


def test_latest_lists_newest_first(client, publication):
    old = make_post(publication, "Old", published_at=day(1))
    new = make_post(publication, "New", published_at=day(3))
    middle = make_post(publication, "Middle", published_at=day(2))

    assert listed_slugs(archive(client)) == [new.slug, middle.slug, old.slug]


def test_top_orders_by_likes_and_breaks_ties_by_newest(client, publication):
    liked_old = make_post(publication, "Liked old", published_at=day(1))
    liked_new = make_post(publication, "Liked new", published_at=day(2))
    most_liked = make_post(publication, "Most liked", published_at=day(3))
    unliked = make_post(publication, "Unliked", published_at=day(4))
    add_likes(liked_old, 2)
    add_likes(liked_new, 2)
    add_likes(most_liked, 3)

    assert listed_slugs(archive(client, "top")) == [
        most_liked.slug, liked_new.slug, liked_old.slug, unliked.slug,
    ]  # fmt: skip


def test_discussions_lists_only_commented_posts_most_comments_first(client, publication):
    quiet = make_post(publication, "Quiet", published_at=day(5))
    busy = make_post(publication, "Busy", published_at=day(1))
    chatty = make_post(publication, "Chatty", published_at=day(2))
    add_comments(busy, 3)
    add_comments(chatty, 1)

    slugs = listed_slugs(archive(client, "discussions"))

    assert slugs == [busy.slug, chatty.slug]
    assert quiet.slug not in slugs


def test_discussions_ties_go_to_the_most_recent_comment_then_the_newest_post(client, publication):
    early_talk = make_post(publication, "Early talk", published_at=day(3))
    late_talk = make_post(publication, "Late talk", published_at=day(1))
    same_time_old = make_post(publication, "Same time old", published_at=day(4))
    same_time_new = make_post(publication, "Same time new", published_at=day(5))
    moment = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    add_comments(early_talk, 2, at=moment)
    add_comments(late_talk, 2, at=moment + dt.timedelta(days=1))
    add_comments(same_time_old, 2, at=moment - dt.timedelta(days=3))
    add_comments(same_time_new, 2, at=moment - dt.timedelta(days=3))

    assert listed_slugs(archive(client, "discussions")) == [
        late_talk.slug, early_talk.slug, same_time_new.slug, same_time_old.slug,
    ]  # fmt: skip


def test_latest_groups_posts_under_month_headings(client, publication):
    make_post(publication, "March", published_at=day(2))
    make_post(publication, "February", published_at=dt.datetime(2025, 2, 15, tzinfo=dt.UTC))
    make_post(publication, "Also February", published_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC))

    headings = re.findall(r'class="month__heading">([^<]+)<', archive(client).text)

    assert headings == ["March 2025", "February 2025"]


def test_archive_pages_and_links_to_the_next_page(client, publication):
    posts = [
        make_post(publication, f"Post {n}", published_at=day(1) + dt.timedelta(hours=n))
        for n in range(ARCHIVE_PAGE_SIZE + 3)
    ]
    newest_first = [post.slug for post in reversed(posts)]

    first, second = archive(client, page=1), archive(client, page=2)

    assert listed_slugs(first) == newest_first[:ARCHIVE_PAGE_SIZE]
    assert listed_slugs(second) == newest_first[ARCHIVE_PAGE_SIZE:]
    assert 'rel="next"' in first.text and 'rel="next"' not in second.text


@pytest.mark.parametrize("query", [{"sort": "bogus"}, {"page": "abc"}, {"page": "-4"}])
def test_bad_archive_parameters_fall_back_to_the_first_latest_page(client, published_post, query):
    response = client.get(reverse("posts:archive"), query)

    assert response.status_code == 200
    assert listed_slugs(response) == [published_post.slug]


def test_entries_show_title_subtitle_date_author_likes_and_comments(client, publication):
    post = make_post(
        publication, "Shown in full", subtitle="With its subtitle", published_at=day(2)
    )
    add_likes(post, 7)
    add_comments(post, 2)

    text = archive(client).text

    assert "Shown in full" in text and "With its subtitle" in text
    assert "Mar 2, 2025" in text
    assert post.bylines.get().person.name in text
    assert '<span class="count__number">7</span>' in text
    assert '<span class="count__number">2</span>' in text


def test_drafts_and_scheduled_posts_are_never_listed(client, publication):
    draft = make_post(publication, "Secret draft", status=PostStatus.DRAFT)
    scheduled = make_post(publication, "Not yet", status=PostStatus.SCHEDULED, published_at=day(1))
    add_likes(draft, 5)
    add_comments(scheduled, 2)

    for sort in ("new", "top", "discussions"):
        text = archive(client, sort).text
        assert "Secret draft" not in text and "Not yet" not in text


def test_archive_query_count_does_not_grow_with_posts(
    client, publication, django_assert_max_num_queries
):
    for number in range(ARCHIVE_PAGE_SIZE * 2):
        post = make_post(publication, f"Post {number}")
        add_likes(post, 1)
    for sort in ("new", "top", "discussions"):
        with django_assert_max_num_queries(6):
            archive(client, sort)
