"""Kinds of posts and their tags: pages (served by address, never listed, counted or emailed),
discussion threads and podcasts (labelled, a podcast with its player), and tags under the byline."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from masthead.delivery.models import Send
from masthead.posts.audio import is_playable_audio_url
from masthead.posts.models import Audience, Post, PostKind, PostStatus
from masthead.posts.queries import listed, published_pages
from masthead.posts.services import (
    PostContent,
    PostError,
    create_post,
    delete_post,
    publish_if_still_scheduled,
    publish_post,
    save_draft,
    schedule_post,
    tidy_tags,
    unpublish_post,
    update_post,
)
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import add_comments, add_likes, make_person, make_post

pytestmark = pytest.mark.django_db

AUDIO = "https://cdn.example.org/episodes/42.mp3"


def listed_slugs(text: str) -> list[str]:
    return re.findall(r'class="post-item[^"]*" data-slug="([^"]+)"', text)


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.text


def detail(client, post) -> str:
    return get(client, reverse("posts:detail", args=[post.slug]))


@pytest.fixture
def page(publication):
    return make_post(publication, "About us", kind=PostKind.PAGE, body="We write about builds.")


@pytest.fixture
def subscriber(publication):
    person = make_person(email="sub@example.com")
    Subscription.objects.create(
        publication=publication, person=person, status=SubscriptionStatus.ACTIVE
    )
    return person


# Pages --------------------------------------------------------------------------------------------


def test_a_page_is_served_at_its_post_address(client, page):
    text = detail(client, page)

    assert "About us" in text and "We write about builds." in text


def test_a_page_shows_no_date_and_no_like_comment_or_share_row(client, page):
    text = detail(client, page)

    assert "<time" not in text and "article:published_time" not in text
    assert 'class="engagement"' not in text
    assert 'id="comments"' not in text and "like-bar" not in text
    assert 'content="website"' in text


def test_a_page_is_not_on_the_home_page(client, publication, page):
    post = make_post(publication, "A real post")

    text = get(client, reverse("posts:home"))
    main, _, footer = text.partition('<footer class="site-footer">')

    assert "A real post" in main and "About us" not in main
    assert post.slug in main and page.slug not in main
    assert f'href="/p/{page.slug}/"' in footer  # the footer's page links


@pytest.mark.parametrize("sort", ["new", "top", "discussions"])
def test_a_page_is_in_no_tab_of_the_archive_even_liked_and_discussed(
    client, publication, page, sort
):
    post = make_post(publication, "A real post")
    add_likes(post, 2)
    add_comments(post, 2)
    # A post with likes and comments that became a page: its counts would rank it first.
    Post.objects.filter(id=page.id).update(
        like_count=9, comment_count=9, last_comment_at=timezone.now()
    )

    text = get(client, reverse("posts:archive"), sort=sort)

    assert listed_slugs(text) == [post.slug]


def test_listed_leaves_out_pages_for_other_apps_lists_and_counts(publication, page):
    thread = make_post(publication, kind=PostKind.THREAD)

    assert list(listed(Post.objects.filter(publication=publication))) == [thread]


def test_published_pages_are_listed_by_title_for_the_site_links(client, publication, page):
    make_post(publication, "Links", kind=PostKind.PAGE)
    make_post(publication, "Draft page", kind=PostKind.PAGE, status=PostStatus.DRAFT)
    make_post(publication, "A post")

    assert [row.title for row in published_pages(publication)] == ["About us", "Links"]
    publication.refresh_from_db()  # the services keep the links on the publication
    request = RequestFactory().get("/")
    html = render_to_string("posts/_page_links.html", {"publication": publication}, request)
    assert f'href="/p/{page.slug}/"' in html and ">Links<" in html
    assert "Draft page" not in html and "A post" not in html


def test_the_page_links_are_empty_without_pages(publication):
    make_post(publication, "A post")

    assert render_to_string("posts/_page_links.html", {"publication": publication}).strip() == ""


def test_publishing_a_page_never_requests_an_email(publication, subscriber):
    draft = make_post(publication, kind=PostKind.PAGE, status=PostStatus.DRAFT)

    publish_post(draft, send_email=True)

    draft.refresh_from_db()
    assert draft.status == PostStatus.PUBLISHED
    assert not draft.email_requested and draft.email_requested_at is None
    assert not Send.objects.filter(post=draft).exists()


def test_scheduling_a_page_never_requests_an_email(publication, subscriber):
    draft = make_post(publication, kind=PostKind.PAGE, status=PostStatus.DRAFT)
    moment = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(microsecond=0)

    schedule_post(draft, moment, send_email=True)

    draft.refresh_from_db()
    assert draft.status == PostStatus.SCHEDULED and not draft.email_requested


def test_a_scheduled_post_turned_into_a_page_goes_out_without_email(publication, subscriber):
    draft = make_post(publication, "Soon", status=PostStatus.DRAFT)
    moment = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(microsecond=0)
    schedule_post(draft, moment, send_email=True)
    assert Post.objects.get(id=draft.id).email_requested

    save_draft(draft, PostContent(title="Soon", body_markdown="Words.", kind=PostKind.PAGE))
    assert publish_if_still_scheduled(draft.id, moment)

    draft.refresh_from_db()
    assert draft.status == PostStatus.PUBLISHED and not draft.email_requested
    assert not Send.objects.filter(post=draft).exists()


def test_a_post_still_gets_its_email(publication, subscriber):
    draft = make_post(publication, status=PostStatus.DRAFT)

    publish_post(draft, send_email=True)

    assert Send.objects.filter(post=draft).count() == 1


def test_an_unknown_kind_is_refused_with_a_message(publication):
    with pytest.raises(PostError) as refused:
        create_post(publication, [make_person()], title="Odd", kind="newsletter")

    assert refused.value.field == "kind"
    assert not Post.objects.filter(title="Odd").exists()


# Discussion threads and podcasts -------------------------------------------------------------------


def test_a_thread_is_in_the_archive_labelled_as_a_discussion_thread(client, publication):
    thread = make_post(publication, "Ask me anything", kind=PostKind.THREAD)

    archive = get(client, reverse("posts:archive"))

    assert listed_slugs(archive) == [thread.slug]
    assert "Discussion thread" in archive
    assert "Discussion thread" in detail(client, thread)


def test_a_plain_post_carries_no_kind_label(client, published_post):
    text = detail(client, published_post)

    assert "Discussion thread" not in text and ">Podcast<" not in text


def test_a_podcast_has_a_player_and_a_download_link_under_its_title(client, publication):
    episode = make_post(publication, "Episode 42", kind=PostKind.PODCAST, audio_url=AUDIO)

    text = detail(client, episode)

    assert f'<audio controls preload="none" src="{AUDIO}"></audio>' in text
    assert f'<a href="{AUDIO}" download>' in text
    assert text.index("Episode 42</h1>") < text.index("<audio")
    assert ">Podcast<" in get(client, reverse("posts:archive"))


def test_a_podcast_may_play_an_upload_of_ours(client, publication, settings):
    episode = make_post(
        publication, kind=PostKind.PODCAST, audio_url=f"{settings.MEDIA_URL}audio/42.mp3"
    )

    assert '<audio controls preload="none" src="/media/audio/42.mp3">' in detail(client, episode)


@pytest.mark.parametrize(
    "address",
    ["javascript:alert(1)", "data:audio/mp3;base64,AAAA", "//evil.example/a.mp3",
     "ftp://example.org/a.mp3", "/static/a.mp3", "https://", "/media/../secret",
     "https://example.org/a b.mp3", "/media\\..\\x", "http:/example.org/a.mp3"],
)  # fmt: skip
def test_an_address_that_is_not_http_or_our_media_is_never_rendered(client, publication, address):
    # An import may store what the editor would refuse; the page checks again.
    episode = make_post(publication, "Odd", kind=PostKind.PODCAST)
    Post.objects.filter(id=episode.id).update(audio_url=address)

    text = detail(client, episode)

    assert "<audio" not in text and " download>" not in text
    assert not is_playable_audio_url(address)


def test_a_paid_podcast_keeps_its_episode_from_readers_without_access(client, publication):
    episode = make_post(
        publication, kind=PostKind.PODCAST, audio_url=AUDIO, audience=Audience.PAID,
        body="Show notes.\n\nPaid notes.",
    )  # fmt: skip

    text = detail(client, episode)

    assert "<audio" not in text and AUDIO not in text


def test_audio_of_a_post_that_is_not_a_podcast_is_not_played(client, publication):
    post = make_post(publication, kind=PostKind.POST, audio_url=AUDIO)

    assert "<audio" not in detail(client, post)


# Tags ---------------------------------------------------------------------------------------------


def test_tags_show_under_the_byline_as_quiet_labels(client, publication):
    post = make_post(publication, tags=["Rust", "Build systems"])

    text = detail(client, post)

    tags = text[text.index('class="post-meta post__tags"') :]
    assert text.index('class="post__byline"') < text.index("post__tags")
    assert '<span class="badge">Rust</span>' in tags
    assert '<span class="badge">Build systems</span>' in tags


def test_tags_that_are_not_strings_are_skipped_and_markup_is_escaped(client, publication):
    post = make_post(publication)
    Post.objects.filter(id=post.id).update(tags=["<b>bold</b>", 7, None, {"a": 1}, "  "])

    text = detail(client, post)

    assert "&lt;b&gt;bold&lt;/b&gt;" in text and "<b>bold</b>" not in text
    assert text.count('class="badge"') == 1


def test_tags_that_are_not_a_list_show_nothing(client, publication):
    post = make_post(publication)
    Post.objects.filter(id=post.id).update(tags={"not": "a list"})

    assert "post__tags" not in detail(client, post)


def test_tidy_tags_drops_repeats_and_blanks_and_keeps_at_most_ten():
    tags = tidy_tags(["  Rust ", "rust", "", "Build   systems", 5] + [f"t{n}" for n in range(20)])

    assert tags[:2] == ["Rust", "Build systems"]
    assert len(tags) == 10
    assert tidy_tags(["x" * 90]) == ["x" * 40]


# Query counts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["posts:home", "posts:archive"])
def test_lists_cost_the_same_queries_with_every_kind(
    client, publication, django_assert_max_num_queries, url_name
):
    for kind in PostKind.values * 6:
        make_post(publication, kind=kind, tags=["a", "b"])

    with django_assert_max_num_queries(6):
        get(client, reverse(url_name))


def test_tidy_tags_turns_control_characters_into_spaces_and_ignores_what_is_not_a_list():
    assert tidy_tags(["a\x00b", "tab\there", "\ud800x"]) == ["a b", "tab here", "x"]
    assert tidy_tags("not a list") == [] and tidy_tags(None) == []


@pytest.mark.parametrize(
    "audio_url", ["https://example.org/\x00", "https://x.org/" + "a" * 1000, 7]
)
def test_an_audio_address_no_form_would_send_is_refused_by_the_service(publication, audio_url):
    with pytest.raises(PostError) as refused:
        create_post(publication, [make_person()], title="Odd", audio_url=audio_url)

    assert refused.value.field == "audio_url"
    assert not Post.objects.filter(title="Odd").exists()


def test_the_footer_links_follow_a_page_renamed_taken_back_and_deleted(client, publication, page):
    def footer_titles():
        publication.refresh_from_db()
        return [link["title"] for link in publication.page_links]

    assert footer_titles() == ["About us"]
    update_post(page, PostContent(title="About the editors", body_markdown="Hello."))
    assert footer_titles() == ["About the editors"]
    unpublish_post(page)
    assert footer_titles() == []
    publish_post(page)
    assert footer_titles() == ["About the editors"]
    delete_post(page)
    assert footer_titles() == []
