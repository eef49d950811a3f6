"""The editor's kind, podcast audio, tags and "Subscribers only" audience: saved as typed, refused
with a clear message when wrong, and a page never offered (nor given) a send by email."""

import re

import pytest
from django.urls import reverse

from masthead.delivery.models import Send
from masthead.posts.models import Audience, Post, PostKind, PostStatus
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.desk.editing import autosave_url, edit_url, editor_data, new_url
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db

AUDIO = "https://cdn.example.org/episodes/42.mp3"


@pytest.fixture
def subscriber(publication):
    Subscription.objects.create(
        publication=publication, person=make_person(), status=SubscriptionStatus.ACTIVE
    )


def options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_the_editor_offers_every_kind_and_the_subscribers_audience(author_client, draft):
    html = author_client.get(edit_url(draft)).text

    assert options(html, "kind") == [
        ("post", "Post"), ("page", "Page"), ("thread", "Discussion thread"),
        ("podcast", "Podcast"),
    ]  # fmt: skip
    assert ("subscribers", "Subscribers only") in options(html, "audience")
    assert 'name="audio_url"' in html and "For a podcast" in html
    assert 'name="tags"' in html and "Separated by commas" in html


def test_saving_stores_kind_audio_tags_and_audience(author_client, draft):
    data = editor_data(
        kind="podcast", audio_url=f"  {AUDIO} ", tags=" Rust, build  systems,,rust ",
        audience="subscribers",
    )  # fmt: skip

    response = author_client.post(edit_url(draft), data)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.kind == PostKind.PODCAST and draft.audio_url == AUDIO
    assert draft.tags == ["Rust", "build systems"]
    assert draft.audience == Audience.SUBSCRIBERS
    html = author_client.get(edit_url(draft)).text
    assert 'value="Rust, build systems"' in html and f'value="{AUDIO}"' in html


def test_a_new_post_may_start_as_a_page(author_client, publication):
    response = author_client.post(new_url(publication), editor_data(title="About", kind="page"))

    assert response.status_code == 302
    assert Post.objects.get(title="About").kind == PostKind.PAGE


def test_autosave_keeps_tags_and_kind(author_client, draft):
    response = author_client.post(
        autosave_url(draft), editor_data(kind="thread", tags="ask, me, anything")
    )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.kind == PostKind.THREAD and draft.tags == ["ask", "me", "anything"]


def test_a_form_without_the_new_fields_leaves_them_as_they_are(author_client, publication, author):
    post = make_post(
        publication, status=PostStatus.DRAFT, author=author, kind=PostKind.PODCAST,
        audio_url=AUDIO, tags=["kept"],
    )  # fmt: skip

    response = author_client.post(edit_url(post), editor_data(title="Renamed"))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Renamed"
    assert (post.kind, post.audio_url, post.tags) == (PostKind.PODCAST, AUDIO, ["kept"])


@pytest.mark.parametrize(
    "address",
    ["javascript:alert(1)", "ftp://example.org/a.mp3", "example.org/a.mp3", "//example.org/a",
     "https://", "data:audio/mp3;base64,AA"],
)  # fmt: skip
def test_an_audio_address_that_is_not_http_is_refused(author_client, draft, address):
    response = author_client.post(edit_url(draft), editor_data(kind="podcast", audio_url=address))

    assert response.status_code == 400
    assert "starting with https://" in response.text
    draft.refresh_from_db()
    assert draft.audio_url == "" and draft.kind == PostKind.POST


def test_more_than_ten_tags_are_refused(author_client, draft):
    tags = ", ".join(f"tag{n}" for n in range(11))

    response = author_client.post(edit_url(draft), editor_data(tags=tags))

    assert response.status_code == 400
    assert "Use at most 10 tags (there are 11)" in response.text
    draft.refresh_from_db()
    assert draft.tags == []


def test_a_tag_longer_than_forty_characters_is_refused(author_client, draft):
    response = author_client.post(edit_url(draft), editor_data(tags="ok, " + "x" * 41))

    assert response.status_code == 400
    assert "Keep each tag to 40 characters or fewer" in response.text
    draft.refresh_from_db()
    assert draft.tags == []


def test_autosave_refuses_bad_tags_as_json(author_client, draft):
    response = author_client.post(autosave_url(draft), editor_data(tags="x" * 41))

    assert response.status_code == 400
    assert "tags" in response.json()["errors"]


def test_an_unknown_kind_is_refused(author_client, draft):
    response = author_client.post(edit_url(draft), editor_data(kind="newsletter"))

    assert response.status_code == 400
    assert "Choose a post, a page, a discussion thread or a podcast." in response.text


def test_a_page_is_not_offered_a_send_by_email(author_client, publication, author, subscriber):
    page = make_post(publication, status=PostStatus.DRAFT, author=author, kind=PostKind.PAGE)

    html = author_client.get(edit_url(page)).text

    assert 'name="send_email"' not in html
    assert "A page is never sent by email." in html
    assert "Send test email to me" not in html


def test_publishing_a_page_with_send_email_asks_nothing_and_sends_nothing(
    author_client, publication, author, subscriber
):
    page = make_post(publication, status=PostStatus.DRAFT, author=author, kind=PostKind.PAGE)

    response = author_client.post(
        edit_url(page), editor_data(kind="page", action="publish", send_email="on")
    )

    assert response.status_code == 302  # no confirmation page
    page.refresh_from_db()
    assert page.status == PostStatus.PUBLISHED and not page.email_requested
    assert not Send.objects.filter(post=page).exists()


def test_turning_a_post_into_a_page_while_publishing_sends_nothing(
    author_client, draft, subscriber
):
    response = author_client.post(
        edit_url(draft),
        editor_data(kind="page", action="publish", send_email="on", confirm_send="on"),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.kind == PostKind.PAGE and not draft.email_requested
    assert not Send.objects.filter(post=draft).exists()


def test_confirming_a_podcast_send_keeps_its_audio_and_tags(
    author_client, publication, author, subscriber
):
    episode = make_post(publication, "Ep", status=PostStatus.DRAFT, author=author)
    data = editor_data(
        title="Ep", kind="podcast", audio_url=AUDIO, tags="one, two", action="publish",
        send_email="on",
    )  # fmt: skip

    confirm = author_client.post(edit_url(episode), data)

    assert confirm.status_code == 200
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm.text))
    assert fields["kind"] == "podcast" and fields["audio_url"] == AUDIO
    assert fields["tags"] == "one, two"
    fields["action"] = "publish"
    assert author_client.post(edit_url(episode), fields).status_code == 302
    episode.refresh_from_db()
    assert episode.status == PostStatus.PUBLISHED and episode.tags == ["one", "two"]
    assert Send.objects.filter(post=episode).count() == 1


def test_the_editor_preview_marks_the_cut_of_a_subscribers_only_post(author_client, publication):
    response = author_client.post(
        reverse("desk:post_render_preview", args=[publication.slug]),
        {
            "body_markdown": "Free.\n\n<!-- paywall -->\n\nFor subscribers.",
            "audience": "subscribers",
        },
    )

    assert response.status_code == 200
    assert "Subscribers only below this line" in response.json()["html"]


def test_a_reader_who_is_not_staff_cannot_change_a_posts_kind(client, publication, draft, reader):
    client.force_login(reader)

    response = client.post(edit_url(draft), editor_data(kind="page", tags="hijacked"))

    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.kind == PostKind.POST and draft.tags == []


def test_an_author_cannot_change_a_colleagues_post_kind(client, publication, draft, make_staff):
    client.force_login(make_staff())

    response = client.post(edit_url(draft), editor_data(kind="page"))

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.kind == PostKind.POST


def test_the_post_list_labels_pages_threads_and_subscribers_only_posts(
    author_client, publication, author
):
    make_post(publication, "About", author=author, kind=PostKind.PAGE)
    make_post(publication, "AMA", author=author, kind=PostKind.THREAD, audience="subscribers")

    html = author_client.get(reverse("desk:post_list", args=[publication.slug])).text

    assert ">Page<" in html and ">Discussion thread<" in html and ">Subscribers<" in html


@pytest.mark.parametrize(
    "fields",
    [{"tags": "a\x00b"}, {"audio_url": "https://example.org/\x00.mp3"}, {"kind": "\x00"},
     {"tags": "x," * 600}, {"audio_url": "https://example.org/" + "a" * 1000}],
    ids=["nul-tag", "nul-audio", "nul-kind", "tags-too-long", "audio-too-long"],
)  # fmt: skip
def test_hostile_values_are_refused_with_a_message_never_a_server_error(
    author_client, draft, fields
):
    response = author_client.post(edit_url(draft), editor_data(**fields))

    assert response.status_code == 400
    assert 'class="form-error"' in response.text
    draft.refresh_from_db()
    assert draft.tags == [] and draft.audio_url == "" and draft.kind == PostKind.POST
