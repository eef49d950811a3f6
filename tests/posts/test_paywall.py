"""The paywall's cut: the reported leaks (lines of spaces, CRLF, a heading over its text), the
writer's marker, the at-most-half rule, and the pages readers without access get."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from masthead.core.rendering import render_markdown
from masthead.posts.models import Audience, Post
from masthead.posts.paywall import PAYWALL_MARKER, PREVIEW_BLOCKS, split_at_paywall
from tests.factories import make_person, make_post

SECRET = "The paid secret."


@pytest.mark.parametrize(
    "body",
    [
        "Free one.\n   \nFree two.\n \t \nThe paid secret.\n  \nMore paid.",
        "Free one.\r\n\r\nFree two.\r\n\r\nThe paid secret.\r\n\r\nMore paid.",
        "## Free one.\nFree two.\n## The paid secret.\nMore paid.",
    ],
    ids=["whitespace-only-lines", "crlf", "heading-over-text"],
)
def test_the_preview_ends_after_two_blocks_whatever_separates_them(body):
    split = split_at_paywall(body)

    assert "Free one." in split.preview_html and "Free two." in split.preview_html
    assert SECRET not in split.preview_html and "More paid." not in split.preview_html
    assert SECRET in split.full_html


def test_a_post_of_one_long_paragraph_has_no_preview_text():
    body = "A single paragraph. " * 200 + "\n" + SECRET

    split = split_at_paywall(body)

    assert split.preview_html == ""
    assert SECRET in split.full_html


@pytest.mark.parametrize(
    "body",
    ["- Free item.\n- The paid secret.", "| A | B |\n| - | - |\n| x | The paid secret. |",
     "> Free.\n>\n> The paid secret.", "```\nfree()\n\nThe paid secret.\n```"],
    ids=["list", "table", "quote", "code"],
)  # fmt: skip
def test_a_post_of_one_block_of_any_kind_has_no_preview_text(body):
    assert split_at_paywall(body).preview_html == ""


def test_a_post_of_two_blocks_shows_one():
    split = split_at_paywall("Free paragraph.\n\nThe paid secret.")

    assert split.preview_html == "<p>Free paragraph.</p>\n"


def test_a_long_post_without_a_marker_shows_its_first_blocks():
    body = "\n\n".join(f"Paragraph {n}." for n in range(10))

    preview = split_at_paywall(body).preview_html

    assert preview == "".join(f"<p>Paragraph {n}.</p>\n" for n in range(PREVIEW_BLOCKS))


def test_without_a_marker_the_full_post_renders_as_before():
    body = "# Title\n\nSome *text*.\n\n- a\n- b\n\n```\ncode\n```"

    assert split_at_paywall(body).full_html == render_markdown(body)


def test_the_marker_cuts_where_the_writer_put_it_and_never_shows():
    body = f"One.\n\nTwo.\n\nThree.\n\n{PAYWALL_MARKER}\n\n{SECRET}"

    split = split_at_paywall(body)

    assert split.preview_html == "<p>One.</p>\n<p>Two.</p>\n<p>Three.</p>\n"
    assert split.full_html == "<p>One.</p>\n<p>Two.</p>\n<p>Three.</p>\n<p>The paid secret.</p>\n"
    assert split.is_marked


@pytest.mark.parametrize(
    "marker",
    ["<!-- paywall -->", "<!--paywall-->", "   <!-- PAYWALL -->  ", "<!--   Paywall\t-->",
     "<!--members-only-->"],
)  # fmt: skip
def test_the_marker_may_be_spelt_loosely(marker):
    split = split_at_paywall(f"Free.\r\n\r\n{marker}\r\n \r\n{SECRET}")

    assert split.preview_html == "<p>Free.</p>\n"
    assert "paywall" not in split.full_html.lower() and "members" not in split.full_html


def test_the_first_of_several_markers_counts_and_none_shows():
    body = f"Free.\n\n{PAYWALL_MARKER}\n\n{SECRET}\n\n{PAYWALL_MARKER}\n\nMore paid."

    split = split_at_paywall(body)

    assert split.preview_html == "<p>Free.</p>\n"
    assert "paywall" not in split.full_html
    assert SECRET in split.full_html and "More paid." in split.full_html


def test_a_marker_at_the_start_leaves_no_preview_text():
    assert split_at_paywall(f"{PAYWALL_MARKER}\n\nPaid.\n\nPaid too.").preview_html == ""


def test_a_marker_at_the_end_gives_the_whole_post_away_as_the_writer_chose():
    split = split_at_paywall(f"Free.\n\nFree too.\n\nAnd this.\n\n{PAYWALL_MARKER}")

    whole = "<p>Free.</p>\n<p>Free too.</p>\n<p>And this.</p>\n"
    assert split.preview_html == split.full_html == whole


def test_a_marker_in_a_code_block_or_a_paragraph_is_text_not_a_cut():
    body = f"```\n{PAYWALL_MARKER}\n```\n\nSee {PAYWALL_MARKER} here.\n\n{SECRET}\n\nMore."

    split = split_at_paywall(body)

    assert not split.is_marked
    assert "&lt;!-- paywall --&gt;" in split.preview_html
    assert SECRET not in split.preview_html


# The pages -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_paid_post_of_one_paragraph_shows_only_its_title_and_the_notice(client, publication):
    post = make_post(
        publication, "Members only", subtitle="What it is about", audience=Audience.PAID,
        body="A long paragraph. " * 50 + SECRET,
    )  # fmt: skip

    response = client.get(reverse("posts:detail", args=[post.slug]))

    assert response.status_code == 200
    assert "Members only" in response.text and "What it is about" in response.text
    assert "A long paragraph." not in response.text and SECRET not in response.text
    assert "This post is for paid subscribers" in response.text
    assert 'class="post__body' not in response.text
    assert "/sign-in/?next=" in response.text


@pytest.mark.django_db
def test_a_signed_in_reader_gets_the_preview_without_the_sign_in_offer(client, publication):
    post = make_post(publication, audience=Audience.PAID, body=f"Free.\n\n{SECRET}")
    client.force_login(make_person())

    text = client.get(reverse("posts:detail", args=[post.slug])).text

    assert "Free." in text and SECRET not in text
    assert "Already have access?" not in text


@pytest.mark.django_db
def test_a_paid_post_with_crlf_shows_its_preview_only(client, publication):
    post = make_post(
        publication, audience=Audience.PAID,
        body="Free one.\r\n\r\nFree two.\r\n\r\nThe paid secret.\r\n\r\nMore paid.",
    )  # fmt: skip

    text = client.get(reverse("posts:detail", args=[post.slug])).text

    assert "Free two." in text
    assert SECRET not in text and "More paid." not in text


@pytest.mark.django_db
def test_the_marker_never_shows_to_readers_with_access(client, publication):
    writer = make_person()
    publication.memberships.create(person=writer, role="author")
    post = make_post(
        publication, audience=Audience.PAID, body=f"Free.\n\n{PAYWALL_MARKER}\n\nPaid."
    )
    client.force_login(writer)

    text = client.get(reverse("posts:detail", args=[post.slug])).text

    assert "Free." in text and "Paid." in text
    assert "paywall --" not in text


# The data migration ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_renders_existing_previews_with_the_new_rule(publication):
    body = "Free one.\r\n\r\nFree two.\r\n\r\nThe paid secret."
    post = make_post(publication, audience=Audience.PAID, body=body)
    old_preview = "<p>Free one.</p>\n<p>Free two.</p>\n<p>The paid secret.</p>\n"
    Post.objects.filter(id=post.id).update(preview_html=old_preview, body_html="<p>stale</p>")
    migration = importlib.import_module(
        "masthead.posts.migrations.0004_rerender_previews_at_the_paywall"
    )

    migration.rerender_posts(apps, None)

    post.refresh_from_db()
    assert post.preview_html == "<p>Free one.</p>\n"
    assert post.body_html == render_markdown(body)
