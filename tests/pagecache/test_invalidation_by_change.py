"""Every change that alters a public page makes its stored copy stale: each test reads the pages
twice (the second read is a hit), makes the change through the service the views and tasks
call, then reads again and finds the change, never the old copy."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings as django_settings
from django.middleware.csrf import _does_token_match
from django.test import Client
from django.utils import timezone

from masthead.accounts.services import rename
from masthead.billing import checkout, offering
from masthead.billing.models import AccessGrant, GrantKind
from masthead.engagement.services import (
    add_comment,
    like_post,
    set_comment_hidden,
    set_comments_enabled,
)
from masthead.notes.services import like_note, post_note
from masthead.posts.models import Audience, PostStatus
from masthead.posts.services import (
    PostContent,
    delete_post,
    publish_if_still_scheduled,
    publish_post,
    schedule_post,
    unpublish_post,
    update_post,
)
from masthead.publications.models import Membership, Role
from masthead.publications.services import update_publication_settings
from masthead.referrals.services import recommend_publication, referral_code_for
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import unsubscribe
from tests.billing.conftest import card_of, payer, priced  # noqa: F401
from tests.factories import make_person, make_post, make_publication
from tests.referrals.conftest import confirm, refer, sign_up

pytestmark = pytest.mark.django_db

HOME, FEED, ABOUT, NOTES, LEADERBOARD = "/", "/feed/", "/about/", "/notes/", "/leaderboard/"
LATEST, TOP, DISCUSSIONS = "/archive/?sort=new", "/archive/?sort=top", "/archive/?sort=discussions"
ARCHIVE_TABS = (LATEST, TOP, DISCUSSIONS)
LISTS = (HOME, LATEST, TOP, FEED)
EVERY_LIST = (HOME, *ARCHIVE_TABS, FEED)  # the post must have a comment to be in Discussions


def post_url(post) -> str:
    return f"/p/{post.slug}/"


def read(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def stored(client, *urls: str) -> None:
    """Read each page twice: the second read must come from the stored copy."""
    for url in urls:
        read(client, url)
        assert read(client, url)["X-Page-Cache"] == "hit", url


def reread(client, url: str, status: int = 200):
    """Read after a change: rendered anew, not the copy stored before it."""
    response = client.get(url)
    assert response.status_code == status, url
    assert response.get("X-Page-Cache") != "hit", url
    return response


def text_of(client, url: str, status: int = 200) -> str:
    return reread(client, url, status).content.decode()


@pytest.fixture
def owner(publication):
    person = make_person("Olive Owner", "olive@example.com")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


@pytest.fixture
def old_post(publication, owner):
    return make_post(
        publication,
        "Quiet lighthouse",
        author=owner,
        published_at=timezone.now() - dt.timedelta(days=3),
    )


# Posts ----------------------------------------------------------------------------------


def test_publishing_shows_the_post_on_every_list(client, publication, owner, old_post):
    draft = make_post(publication, "Brand new harbour", author=owner, status=PostStatus.DRAFT)
    stored(client, *LISTS, "/sitemap-posts.xml")

    publish_post(draft)

    for url in LISTS:
        assert "Brand new harbour" in text_of(client, url), url
    assert draft.slug in text_of(client, "/sitemap-posts.xml")
    assert "Brand new harbour" in text_of(client, post_url(draft))


def test_editing_shows_the_new_title_everywhere(client, publication, old_post):
    add_comment(old_post, make_person(), "First!")
    stored(client, *EVERY_LIST, post_url(old_post))

    update_post(old_post, PostContent(title="Loud lighthouse", body_markdown="New words here."))

    for url in EVERY_LIST:
        page = text_of(client, url)
        assert "Loud lighthouse" in page, url
        assert "Quiet lighthouse" not in page, url
    page = text_of(client, post_url(old_post))
    assert "Loud lighthouse" in page and "New words here." in page


def test_unpublishing_removes_the_post(client, publication, old_post):
    add_comment(old_post, make_person(), "First!")
    stored(client, *EVERY_LIST, post_url(old_post))
    assert "Quiet lighthouse" in read(client, DISCUSSIONS).content.decode()

    unpublish_post(old_post)

    for url in EVERY_LIST:
        assert "Quiet lighthouse" not in text_of(client, url), url
    reread(client, post_url(old_post), status=404)


def test_deleting_removes_the_post(client, publication, owner, old_post):
    make_post(publication, "Keeps the sitemap", author=owner)
    add_comment(old_post, make_person(), "First!")
    stored(client, *EVERY_LIST, "/sitemap-posts.xml", post_url(old_post))

    delete_post(old_post)

    for url in (*EVERY_LIST, "/sitemap-posts.xml"):
        assert old_post.slug not in text_of(client, url), url
    reread(client, post_url(old_post), status=404)


def test_a_scheduled_post_going_live_shows_on_every_list(client, publication, owner, old_post):
    draft = make_post(publication, "Dawn patrol", author=owner, status=PostStatus.DRAFT)
    moment = (timezone.now() - dt.timedelta(hours=1)).replace(microsecond=0)
    with time_machine.travel(moment - dt.timedelta(hours=1)):
        schedule_post(draft, moment)
    stored(client, *LISTS)

    assert publish_if_still_scheduled(draft.id, moment)  # what the task calls when it is due

    for url in LISTS:
        assert "Dawn patrol" in text_of(client, url), url


# Engagement -----------------------------------------------------------------------------


def like_count_in(page: str) -> str:
    return page.split('class="count__number">', 1)[1].split("<", 1)[0]


def test_a_like_changes_the_count_and_the_top_tab(client, publication, owner, old_post):
    newer = make_post(publication, "Fresh tide", author=owner, published_at=timezone.now())
    before = read(client, TOP).content.decode()
    assert before.index(newer.slug) < before.index(old_post.slug)  # a tie goes to the newest
    stored(client, TOP, HOME, post_url(old_post))

    like_post(old_post, make_person())

    after = text_of(client, TOP)
    assert after.index(old_post.slug) < after.index(newer.slug)
    assert like_count_in(text_of(client, post_url(old_post))) == "1"
    home = text_of(client, HOME)
    assert 'class="count__number">1<' in home


def test_a_comment_shows_on_the_post_and_in_discussions(client, publication, old_post):
    stored(client, post_url(old_post), DISCUSSIONS, HOME)
    assert old_post.slug not in read(client, DISCUSSIONS).content.decode()
    assert "count--comments" not in read(client, HOME).content.decode()

    add_comment(old_post, make_person("Carl Commenter"), "A barnacle of a comment.")

    page = text_of(client, post_url(old_post))
    assert "A barnacle of a comment." in page and "Carl Commenter" in page
    assert old_post.slug in text_of(client, DISCUSSIONS)
    assert 'class="discussion__count">1<' in page
    assert "count--comments" in text_of(client, HOME)


def test_a_comment_hidden_by_a_moderator_leaves_the_post_page(client, owner, old_post):
    comment = add_comment(old_post, make_person(), "Buy cheap anchors here.")
    stored(client, post_url(old_post), DISCUSSIONS)

    set_comment_hidden(comment, owner, True)

    assert "Buy cheap anchors here." not in text_of(client, post_url(old_post))
    assert old_post.slug not in text_of(client, DISCUSSIONS)


def test_turning_comments_off_makes_the_stored_post_page_stale(client, owner, old_post):
    stored(client, post_url(old_post))

    set_comments_enabled(old_post, owner, False)

    assert reread(client, post_url(old_post))["X-Page-Cache"] == "miss"


def test_staff_see_comments_turned_off_on_the_post_page(owner, old_post):
    """Signed-in readers' post pages are rendered, never stored: the moderation form is theirs."""
    staff = Client()
    staff.force_login(owner)
    read(staff, post_url(old_post))
    set_comments_enabled(old_post, owner, False)

    assert "Turn comments back on" in read(staff, post_url(old_post)).content.decode()


def test_a_commenter_renaming_themselves_shows_beside_their_comment(client, old_post):
    commenter = make_person("Nemo Oldname")
    add_comment(old_post, commenter, "Ahoy.")
    stored(client, post_url(old_post))

    rename(commenter, "Nadia Newname")

    page = text_of(client, post_url(old_post))
    assert "Nadia Newname" in page and "Nemo Oldname" not in page


# The publication ------------------------------------------------------------------------


def test_settings_change_shows_on_every_page(client, publication, owner, old_post):
    stored(client, HOME, ABOUT, FEED, LATEST, post_url(old_post), NOTES, LEADERBOARD)

    update_publication_settings(
        publication,
        name="The Nightly Build",
        tagline="Compiled after dark",
        about="We write about **bilge pumps**.",
        comment_policy=publication.comment_policy,
    )

    urls = (HOME, ABOUT, FEED, LATEST, post_url(old_post), NOTES, LEADERBOARD)
    pages = {url: text_of(client, url) for url in urls}
    for url, page in pages.items():
        assert "The Nightly Build" in page and "The Daily Build" not in page, url
    assert "Compiled after dark" in pages[HOME]
    assert "Compiled after dark" in pages[ABOUT] and "bilge pumps" in pages[ABOUT]


def test_a_recommended_publication_renamed_shows_on_the_recommenders_about_page(
    client, publication
):
    recommender = make_publication(name="The Other Gazette", slug="other-gazette")
    recommend_publication(recommender, recommended_publication=publication)
    about = "/pub/other-gazette/about/"
    stored(client, about)
    assert "The Daily Build" in read(client, about).content.decode()

    update_publication_settings(
        publication,
        name="The Nightly Build",
        tagline="Compiled after dark",
        about="",
        comment_policy=publication.comment_policy,
    )

    page = text_of(client, about)
    assert "The Nightly Build" in page and "Compiled after dark" in page


# Notes ----------------------------------------------------------------------------------


def test_a_note_posted_shows_on_the_notes_page(client, publication, owner):
    stored(client, NOTES)

    post_note(owner, "Fog rolling in over the quay.", publication=publication)

    assert "Fog rolling in over the quay." in text_of(client, NOTES)


def test_a_note_liked_shows_its_new_count(client, publication, owner):
    note = post_note(owner, "Gulls everywhere.", publication=publication)
    stored(client, NOTES)
    assert "data-like-count>0<" in read(client, NOTES).content.decode()

    like_note(note, make_person())

    assert "data-like-count>1<" in text_of(client, NOTES)


def test_a_note_posted_as_another_publication_shows_on_every_notes_page_of_its_writer(
    client, publication, owner
):
    """The Notes page lists every note of the publication's writers, whichever publication a
    writer posted it as."""
    other = make_publication(name="The Other Gazette", slug="other-gazette")
    Membership.objects.create(publication=other, person=owner, role=Role.OWNER)
    stored(client, NOTES)

    note = post_note(owner, "Posted as the gazette.", publication=other)

    assert "Posted as the gazette." in text_of(client, NOTES)
    read(client, NOTES)
    like_note(note, make_person())
    assert "data-like-count>1<" in text_of(client, NOTES)


# Subscribers and the leaderboard --------------------------------------------------------


def leaderboard_row(page: str, name: str) -> str:
    start = page.index(f"<td>{name}</td>")
    return page[start : page.index("</tr>", start)]


@pytest.fixture
def referrer(publication):
    person = make_person("Rhea Referrer", "rhea@example.com")
    confirm(sign_up(publication, person.email))
    refer(publication, referral_code_for(publication, person).code, "first@example.com")
    return person


def test_a_subscriber_confirming_counts_on_the_leaderboard(client, publication, referrer):
    pending = sign_up(
        publication, "second@example.com", referral_code_for(publication, referrer).code
    )
    stored(client, LEADERBOARD)
    assert ">1</td>" in leaderboard_row(read(client, LEADERBOARD).content.decode(), "Rhea Referrer")

    confirm(pending)

    row = leaderboard_row(text_of(client, LEADERBOARD), "Rhea Referrer")
    assert ">2</td>" in row


def test_a_referred_reader_unsubscribing_leaves_the_count(client, publication, referrer):
    second = refer(publication, referral_code_for(publication, referrer).code, "second@example.com")
    stored(client, LEADERBOARD)

    unsubscribe(second)

    assert ">1</td>" in leaderboard_row(text_of(client, LEADERBOARD), "Rhea Referrer")


def test_a_referrer_renaming_themselves_shows_on_the_leaderboard(client, referrer):
    stored(client, LEADERBOARD)

    rename(referrer, "Rhea Renamed")

    page = text_of(client, LEADERBOARD)
    assert "Rhea Renamed" in page and "Rhea Referrer" not in page


# Paid plans -----------------------------------------------------------------------------

SENTENCE = "Quillwort ledger seventeen: the paid sentence."
PAID_BODY = f"An open first paragraph.\n\n<!-- paywall -->\n\n{SENTENCE}\n\nMore for paid readers."


@pytest.fixture
def paid_post(publication, owner):
    return make_post(
        publication, "Members log", author=owner, audience=Audience.PAID, body=PAID_BODY
    )


def test_turning_paid_on_offers_the_plans_on_a_paid_post(client, publication, stripe_on, paid_post):
    stored(client, post_url(paid_post))
    assert "See the plans" not in read(client, post_url(paid_post)).content.decode()

    from masthead.billing import plans

    plans.save_prices(
        publication, "usd", [plans.PriceChoice("month", 800), plans.PriceChoice("year", 8000)]
    )

    assert "See the plans" in text_of(client, post_url(paid_post))


def test_turning_paid_off_hides_the_plans_and_the_upgrade_button(
    client,
    publication,
    priced,  # noqa: F811
    paid_post,
):
    free = make_person("Fred Free", "fred@example.com")
    Subscription.objects.create(
        publication=publication,
        person=free,
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )
    free_client = Client()
    free_client.force_login(free)
    stored(client, post_url(paid_post))
    stored(free_client, LATEST)
    assert "See the plans" in read(client, post_url(paid_post)).content.decode()
    assert ">Upgrade</a>" in read(free_client, LATEST).content.decode()

    offering.set_paid_on(publication, False)

    assert "See the plans" not in text_of(client, post_url(paid_post))
    assert ">Upgrade</a>" not in text_of(free_client, LATEST)


# Audiences ------------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def assert_forms_carry_own_token(reader: Client, page: str, who: str) -> None:
    """A stored page's forms carry the token of the reader it is served to, no one else's."""
    tokens = CSRF_FIELD.findall(page)
    if not tokens:
        return
    secret = reader.cookies[django_settings.CSRF_COOKIE_NAME].value
    for token in tokens:
        assert _does_token_match(token, secret), who


def test_readers_of_different_tiers_never_see_each_others_copy(
    publication,
    priced,  # noqa: F811
    payer,  # noqa: F811
    card_of,  # noqa: F811
    paid_post,
):
    checkout.subscribe(payer, priced[0], card_of(payer))
    free = make_person("Fred Free", "fred@example.com")
    Subscription.objects.create(
        publication=publication,
        person=free,
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )
    comped = make_person("Cora Comped", "cora@example.com")
    Subscription.objects.create(
        publication=publication,
        person=comped,
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )
    AccessGrant.objects.create(publication=publication, person=comped, kind=GrantKind.COMP)
    readers = {"anonymous": Client(), "free": Client(), "paid": Client(), "comped": Client()}
    readers["free"].force_login(free)
    readers["paid"].force_login(payer)
    readers["comped"].force_login(comped)
    subscribe_button = '">Subscribe</a>'
    upgrade_button = '">Upgrade</a>'

    for _ in range(3):  # alternating: each reader reads after another stored their copy
        for who, reader in readers.items():
            archive = read(reader, LATEST)
            page = archive.content.decode()
            assert (subscribe_button in page) == (who == "anonymous"), who
            assert (upgrade_button in page) == (who == "free"), who
            assert "Members log" in page
            assert_forms_carry_own_token(reader, page, who)
            for name in ("Fred Free", "Paula Payer", "Cora Comped"):
                assert name not in page, who
            post = read(reader, post_url(paid_post)).content.decode()
            assert (SENTENCE in post) == (who in ("paid", "comped")), who
            assert_forms_carry_own_token(reader, post, who)
            assert ("This post is for paid subscribers" in post) == (who in ("anonymous", "free"))
    # Signed-in archive copies are shared per audience: the last round was served from them.
    for who, reader in readers.items():
        assert read(reader, LATEST)["X-Page-Cache"] == "hit", who


def test_two_anonymous_visitors_each_get_their_own_form_token(publication, old_post):
    first, second = Client(), Client()
    for url in (HOME, post_url(old_post)):
        read(first, url)
        response = read(second, url)
        assert response["X-Page-Cache"] == "hit", url
        page = response.content.decode()
        assert CSRF_FIELD.findall(page), url
        assert_forms_carry_own_token(second, page, url)
        assert_forms_carry_own_token(first, read(first, url).content.decode(), url)
        assert (
            first.cookies[django_settings.CSRF_COOKIE_NAME].value
            != second.cookies[django_settings.CSRF_COOKIE_NAME].value
        )
