"""An import run from check to report: what it writes, what it refuses, and that it resumes.

The runs here read a small export through an in-test reader that yields the shared source
values (masthead.importers.source), so each test states its export in a few lines; the
platform readers have their own tests, and test_platform_imports runs them end to end.
"""

import contextlib
import datetime as dt

import pytest
from django.utils import timezone

from masthead.billing.models import AccessGrant, StripeCustomer
from masthead.delivery.models import Delivery, Send
from masthead.importers import runs
from masthead.importers.models import ImportedRecord, ImportReportLine, ImportRun, OldPath, RunState
from masthead.importers.source import (
    ExportError,
    PaidKind,
    PostAudience,
    PostKind,
    PostState,
    SourceAuthor,
    SourceDelivery,
    SourcePost,
    SourceSubscriber,
)
from masthead.posts.models import Post, PostStatus
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db

JAN = dt.datetime(2024, 1, 15, 9, 30, tzinfo=dt.UTC)


class InTestReader:
    """A reader over lists; `fail_at` makes the n-th subscriber blow up, like a worker dying."""

    def __init__(self, posts=(), subscribers=(), deliveries=(), fail_at=None, refuse=""):
        self._posts, self._subscribers, self._deliveries = posts, subscribers, deliveries
        self.fail_at, self.refuse = fail_at, refuse

    def check(self):
        if self.refuse:
            raise ExportError(self.refuse)
        return []

    def report_lines(self):
        return []

    def count(self):
        return {
            "posts": len(self._posts),
            "subscribers": len(self._subscribers),
            "deliveries": len(self._deliveries),
        }

    def posts(self):
        yield from self._posts

    def subscribers(self):
        for index, subscriber in enumerate(self._subscribers):
            if index == self.fail_at:
                raise RuntimeError("the worker died here")
            yield subscriber

    def deliveries(self):
        yield from self._deliveries


@pytest.fixture
def owner(publication):
    person = make_person(name="Olive Owner", email="olive@example.com")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


@pytest.fixture
def import_with(monkeypatch, settings, tmp_path, publication, owner):
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"

    def run(reader, run=None):
        monkeypatch.setattr(runs, "reader_for", lambda source, files: reader)
        if run is None:
            paths = runs.store_files([("export.zip", [b"PK\x05\x06" + b"\x00" * 18])])
            run = runs.start_import(
                publication, owner, "substack", paths, ["export.zip"], in_background=False
            )
        with contextlib.suppress(RuntimeError):  # a worker dying mid-run
            runs.run_import(run.id)
        run.refresh_from_db()
        return run

    return run


def _post(number, **fields):
    values = {
        "source_id": f"{number}.post-{number}",
        "slug": f"post-{number}",
        "title": f"Post {number}",
        "body_markdown": f"Words of post {number}.\n\n<!-- paywall -->\n\nThe rest.",
        "published_at": JAN + dt.timedelta(days=number),
    }
    return SourcePost(**(values | fields))


def test_posts_keep_their_fields_addresses_and_bylines(import_with, publication, owner):
    posts = [
        _post(
            1,
            subtitle="A subtitle",
            audience=PostAudience.PAID,
            old_paths=["/2024/01/16/post-1/", "/?p=11"],
            authors=[SourceAuthor("Ann Author", "Ann@Example.com")],
            tags=["craft", "tools"],
        ),
        _post(2, kind=PostKind.PAGE, audience=PostAudience.SUBSCRIBERS),
        _post(3, kind=PostKind.PODCAST, audio_url="https://cdn.example.com/ep3.mp3"),
        _post(4, body_markdown=None),
        _post(5, state=PostState.SCHEDULED),
    ]

    run = import_with(InTestReader(posts=posts))

    assert run.state == RunState.DONE, run.error
    first = Post.objects.get(slug="post-1")
    assert (first.title, first.subtitle, first.audience) == ("Post 1", "A subtitle", "paid")
    assert first.status == PostStatus.PUBLISHED and first.published_at == JAN + dt.timedelta(days=1)
    assert first.tags == ["craft", "tools"]
    assert [person.email for person in first.authors.all()] == ["ann@example.com"]
    assert "The rest." in first.body_html and "The rest." not in first.preview_html
    assert set(OldPath.objects.filter(post=first).values_list("path", flat=True)) == {
        "/2024/01/16/post-1/",
        "/?p=11",
    }
    page = Post.objects.get(slug="post-2")
    assert (page.kind, page.audience) == ("page", "subscribers")
    assert Post.objects.get(slug="post-3").audio_url == "https://cdn.example.com/ep3.mp3"
    # No body in the export, or scheduled there: a draft here, never published by the import.
    assert Post.objects.get(slug="post-4").status == PostStatus.DRAFT
    assert Post.objects.get(slug="post-5").status == PostStatus.DRAFT
    assert list(Post.objects.get(slug="post-2").authors.all()) == [owner]
    reasons = list(ImportReportLine.objects.values_list("reason", flat=True))
    assert any("scheduled" in reason for reason in reasons)
    assert not Post.objects.filter(email_requested=True).exists()


def test_old_addresses_redirect_to_the_post(import_with, client):
    import_with(InTestReader(posts=[_post(1, old_paths=["/2024/01/16/post-1/", "/?p=11"])]))

    assert client.get("/2024/01/16/post-1/").headers["Location"] == "/p/post-1/"
    assert client.get("/2024/01/16/post-1").status_code == 301
    assert client.get("/?p=11").headers["Location"] == "/p/post-1/"
    assert client.get("/?p=12").status_code == 200  # the home page, as before
    assert client.get("/2024/01/16/other/").status_code == 404


def test_subscribers_keep_their_dates_and_paid_readers_get_comps(import_with, publication):
    until = timezone.now() + dt.timedelta(days=40)
    subscribers = [
        SourceSubscriber("free@example.com", name="Fay Free", subscribed_at=JAN),
        SourceSubscriber(
            "payer@example.com",
            subscribed_at=JAN,
            paid_kind=PaidKind.PAID,
            paid_until=until,
            stripe_customer_id="cus_123",
        ),
        SourceSubscriber("comp@example.com", paid_kind=PaidKind.COMP),
        SourceSubscriber("lapsed@example.com", paid_kind=PaidKind.PAID, paid_until=JAN),
        SourceSubscriber("quiet@example.com", wants_email=False),
        SourceSubscriber("left@example.com", is_active=False),
        SourceSubscriber("x@deletion-request.substack.com"),
        SourceSubscriber("not an address"),
        SourceSubscriber("FREE@example.com"),
    ]

    run = import_with(InTestReader(subscribers=subscribers))

    assert run.state == RunState.DONE, run.error
    statuses = dict(
        Subscription.objects.filter(publication=publication).values_list("person__email", "status")
    )
    assert statuses == {
        "free@example.com": SubscriptionStatus.ACTIVE,
        "payer@example.com": SubscriptionStatus.ACTIVE,
        "comp@example.com": SubscriptionStatus.ACTIVE,
        "lapsed@example.com": SubscriptionStatus.ACTIVE,
        "quiet@example.com": SubscriptionStatus.UNSUBSCRIBED,
        "left@example.com": SubscriptionStatus.UNSUBSCRIBED,
    }
    assert Subscription.objects.get(person__email="free@example.com").created_at == JAN
    grants = {grant.person.email: grant for grant in AccessGrant.objects.select_related("person")}
    assert set(grants) == {"payer@example.com", "comp@example.com"}
    assert grants["payer@example.com"].ends_at == until
    assert grants["comp@example.com"].ends_at is None
    assert (
        StripeCustomer.objects.get(person__email="payer@example.com").stripe_customer_id
        == "cus_123"
    )
    assert run.counts["subscribers_skipped"] == 3  # deletion request, bad address, repeat


def test_email_history_feeds_the_posts_send(import_with):
    posts = [_post(1, emailed_at=JAN)]
    subscribers = [SourceSubscriber(f"r{number}@example.com") for number in range(3)]
    deliveries = [
        SourceDelivery("1.post-1", "r0@example.com", delivered_at=JAN, opened_at=JAN, open_count=2),
        SourceDelivery("1.post-1", "r1@example.com", delivered_at=JAN),
        SourceDelivery("1.post-1", "r2@example.com", delivered_at=JAN),
        SourceDelivery("9.not-here", "r2@example.com", delivered_at=JAN),
    ]

    import_with(InTestReader(posts=posts, subscribers=subscribers, deliveries=deliveries))

    send = Send.objects.get(post__slug="post-1")
    assert (send.state, send.recipient_count, send.sent_count, send.open_count) == ("done", 3, 3, 1)
    delivery = Delivery.objects.get(email="r0@example.com")
    assert delivery.opened_at == JAN and delivery.subscription is not None


def test_the_same_export_twice_changes_nothing(import_with):
    reader = InTestReader(
        posts=[_post(1, emailed_at=JAN), _post(2)],
        subscribers=[SourceSubscriber("a@example.com"), SourceSubscriber("b@example.com")],
        deliveries=[SourceDelivery("1.post-1", "a@example.com", delivered_at=JAN)],
    )
    import_with(reader)
    before = (Post.objects.count(), Subscription.objects.count(), Delivery.objects.count())

    second = import_with(reader)

    assert second.state == RunState.DONE
    assert (Post.objects.count(), Subscription.objects.count(), Delivery.objects.count()) == before
    assert second.counts["posts_skipped"] == 2 and second.counts["subscribers_skipped"] == 2
    assert "deliveries_imported" not in second.counts


def test_an_export_whose_addresses_are_taken_is_refused_whole(import_with, publication):
    make_post(publication, "Mine", slug="post-2")

    run = import_with(
        InTestReader(posts=[_post(1), _post(2)], subscribers=[SourceSubscriber("a@example.com")])
    )

    assert run.state == RunState.FAILED
    assert "/p/post-2/" in run.error and "Nothing was imported" in run.error
    assert Post.objects.count() == 1 and not Subscription.objects.exists()


def test_an_export_the_reader_refuses_changes_nothing(import_with):
    run = import_with(InTestReader(posts=[_post(1)], refuse="This zip is not a Substack export."))

    assert run.state == RunState.FAILED and run.error == "This zip is not a Substack export."
    assert not Post.objects.exists() and not ImportedRecord.objects.exists()


def test_a_run_that_died_resumes_after_its_last_batch(import_with, settings, monkeypatch):
    monkeypatch.setitem(runs.BATCH_SIZES, "subscribers", 10)
    subscribers = [SourceSubscriber(f"r{number}@example.com") for number in range(35)]
    crashing = InTestReader(posts=[_post(1)], subscribers=subscribers, fail_at=25)

    run = import_with(crashing)

    assert run.state == RunState.FAILED and run.phase == "subscribers" and run.position == 20
    assert Subscription.objects.count() == 20
    runs.resume_import(run)
    run = import_with(InTestReader(posts=[_post(1)], subscribers=subscribers), run=run)
    assert run.state == RunState.DONE
    assert Subscription.objects.count() == 35
    assert Post.objects.count() == 1
    assert run.counts["subscribers_imported"] == 35


def test_a_finished_run_is_not_run_again(import_with):
    run = import_with(InTestReader(posts=[_post(1)]))

    assert runs.run_import(run.id) is None
    assert ImportRun.objects.get(id=run.id).state == RunState.DONE


def test_a_second_import_waits_for_the_one_running(publication, owner, settings, tmp_path):
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    first = runs.store_files([("a.zip", [b"PK"])])
    runs.start_import(publication, owner, "substack", first, ["a.zip"], in_background=False)
    second = runs.store_files([("b.zip", [b"PK"])])

    with pytest.raises(runs.ImportStateError, match="still running"):
        runs.start_import(publication, owner, "substack", second, ["b.zip"], in_background=False)

    assert ImportRun.objects.count() == 1


def test_an_address_with_control_characters_is_a_plain_404(client, publication):
    # A NUL reaches the old-address lookup only on a 404; PostgreSQL would refuse it in a query.
    assert client.get("/2024/%00/post/").status_code == 404
    assert client.get("/?p=1%00").status_code == 200
