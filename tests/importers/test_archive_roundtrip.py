"""The issue's "done when": export a rich publication, restore it on an empty install, and every
table comes back row for row, with its files."""

import datetime as dt
import json
import zipfile

import pytest
from django.contrib.admin.utils import NestedObjects
from django.core.management import call_command
from django.utils import timezone

from masthead.accounts.models import Person
from masthead.billing.models import (
    AccessGrant,
    BillingSettings,
    PaidSubscription,
    Plan,
    StripeCustomer,
)
from masthead.chat.models import ChatEvent, ChatImage, ChatMessage, ChatReaction, ChatSettings
from masthead.delivery.models import Delivery, DeliveryEvent, Send
from masthead.engagement.models import CommentLike
from masthead.engagement.services import add_comment, like_post
from masthead.importers.archive import layout
from masthead.importers.archive.collect import collect_publication, is_excluded
from masthead.importers.archive.export import export_publication
from masthead.importers.archive.restore import restore_archive
from masthead.importers.archive.rows import exported_fields
from masthead.importers.archives import open_export
from masthead.notes.models import Note, NoteLike
from masthead.publications.models import Membership, Role, Section
from masthead.referrals.models import Recommendation, Referral, ReferralCode
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def write_media(settings, name: str, content: bytes = PNG) -> str:
    path = settings.MEDIA_ROOT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return name


def build_rich_publication(settings):
    """A publication with a row in every table a writer's work ends up in."""
    now = timezone.now().replace(microsecond=123456)
    owner = factories.make_person("Olive Owner", "olive@example.com")
    author = factories.make_person("Arthur Author", "arthur@example.com")
    publication = factories.make_publication("Rich News", "rich-news", host="rich.example.com")
    publication.logo = write_media(settings, "logos/rich.png")
    publication.about_markdown = "About us ![team](/media/imports/team.png)"
    publication.save()
    write_media(settings, "imports/team.png", PNG + b"team")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    Membership.objects.create(publication=publication, person=author, role=Role.AUTHOR)
    section = Section.objects.create(publication=publication, name="Essays", slug="essays")

    free = factories.make_post(publication, "Free for all", author=author, section=section)
    free.cover_image = write_media(settings, "covers/free.png", PNG + b"cover")
    free.save(update_fields=["cover_image"])
    paid = factories.make_post(publication, "Paid only", author=owner, audience="paid")
    draft = factories.make_post(publication, "A draft", author=owner, status="draft")
    page = factories.make_post(publication, "About the team", author=owner, kind="page")

    readers = {}
    for status in (
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PENDING,
        SubscriptionStatus.UNSUBSCRIBED,
    ):
        person = factories.make_person(f"Reader {status}", f"{status}@example.com")
        readers[status] = Subscription.objects.create(
            publication=publication,
            person=person,
            status=status,
            created_at=now,
            confirmed_at=now if status != SubscriptionStatus.PENDING else None,
            unsubscribed_at=now if status == SubscriptionStatus.UNSUBSCRIBED else None,
        )
    active = readers[SubscriptionStatus.ACTIVE]
    if hasattr(active, "labels"):
        Subscription.objects.filter(pk=active.pk).update(labels=["vip", "press"])

    like_post(free, active.person)
    top = add_comment(free, active.person, "First!")
    reply = add_comment(free, author, "Thanks", parent=top)
    CommentLike.objects.create(comment=reply, person=active.person)

    staff_note = Note.objects.create(author=owner, publication=publication, body_markdown="Hi")
    reader_reply = Note.objects.create(
        author=active.person, parent=staff_note, body_markdown="Hello"
    )
    NoteLike.objects.create(note=reader_reply, person=owner)

    thread = ChatMessage.objects.create(
        publication=publication, author=owner, client_id="t1", body="Thread"
    )
    chat_reply = ChatMessage.objects.create(
        publication=publication, author=active.person, thread=thread, client_id="r1", body="Reply"
    )
    ChatReaction.objects.create(message=chat_reply, person=owner, reaction="heart")
    ChatEvent.objects.create(publication=publication, message=chat_reply, kind="posted")
    ChatImage.objects.create(
        uploader=owner,
        publication=publication,
        message=thread,
        image=write_media(settings, "chat/a.png", PNG + b"chat"),
    )
    ChatSettings.objects.create(publication=publication)

    send = Send.objects.create(
        publication=publication, post=free, sender="Rich <r@example.com>", subject="Free",
        html_template="<p>x</p>", text_template="x", tracked_links=["https://a.example"],
    )  # fmt: skip
    delivery = Delivery.objects.create(
        send=send, subscription=active, email=active.person.email, state="sent", sent_at=now
    )
    DeliveryEvent.objects.create(delivery=delivery, kind="click", link_index=0)

    code = ReferralCode.objects.create(publication=publication, person=active.person, code="RICH1")
    Referral.objects.create(referral_code=code, subscription=readers[SubscriptionStatus.PENDING])

    BillingSettings.objects.create(
        publication=publication, stripe_product_id="prod_1", is_paid_on=True
    )
    plan = Plan.objects.create(
        publication=publication, interval="month", name="Monthly", amount=500, currency="usd",
        stripe_plan_id="plan_1",
    )  # fmt: skip
    PaidSubscription.objects.create(
        subscription=active, plan=plan, stripe_subscription_id="sub_1", status="active",
        current_period_end=now + dt.timedelta(days=30),
    )  # fmt: skip
    StripeCustomer.objects.create(person=active.person, stripe_customer_id="cus_1")
    AccessGrant.objects.create(
        publication=publication, person=author, kind="comp", granted_by=owner
    )
    return publication, {"paid": paid, "draft": draft, "page": page}


def snapshot(querysets) -> dict:
    return {
        layout.table_label(model): {
            obj.pk: {f.attname: f.value_from_object(obj) for f in exported_fields(model)}
            for obj in queryset.order_by("pk")
        }
        for model, queryset in querysets.items()
    }


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_a_restored_archive_gives_identical_tables_and_files(settings, media_root, tmp_path):
    publication, _posts = build_rich_publication(settings)
    collection = collect_publication(publication)
    before = snapshot(collection.querysets)
    files_before = {
        path.relative_to(media_root): path.read_bytes()
        for path in media_root.rglob("*")
        if path.is_file()
    }
    archive_path = tmp_path / "rich.zip"
    export_publication(publication, archive_path)

    call_command("flush", interactive=False, verbosity=0)
    for path in media_root.rglob("*"):
        if path.is_file():
            path.unlink()
    with open_export([archive_path]) as files:
        result = restore_archive(files)

    after = snapshot({model: model._default_manager.all() for model in collection.querysets})
    assert after == before
    assert sum(len(rows) for rows in before.values()) > 40
    assert result.publication.slug == "rich-news"
    assert result.people_reused == 0
    # New rows after a restore get fresh ids (PostgreSQL's sequences were moved past the rows).
    assert (
        factories.make_post(result.publication, "Written after the restore").pk
        not in before["posts.post"]
    )
    files_after = {
        path.relative_to(media_root): path.read_bytes()
        for path in media_root.rglob("*")
        if path.is_file()
    }
    assert files_after == files_before


@pytest.mark.django_db
def test_the_archive_holds_every_table_the_publication_has_rows_in(settings, media_root):
    publication, _posts = build_rich_publication(settings)
    tables = {
        label
        for label, rows in snapshot(collect_publication(publication).querysets).items()
        if rows
    }
    assert {
        "posts.post", "posts.postauthor", "publications.section", "publications.membership",
        "publications.publicationhost", "subscriptions.subscription", "engagement.comment",
        "engagement.like", "engagement.commentlike", "notes.note", "notes.notelike",
        "chat.chatmessage", "chat.chatreaction", "chat.chatevent", "chat.chatimage",
        "chat.chatsettings", "delivery.send", "delivery.delivery", "delivery.deliveryevent",
        "referrals.referralcode", "referrals.referral", "billing.plan", "billing.paidsubscription",
        "billing.billingsettings", "billing.accessgrant", "billing.stripecustomer", "accounts.person",
    } <= tables  # fmt: skip


@pytest.mark.django_db
def test_nothing_the_deletion_collector_finds_is_missed(settings, media_root):
    publication, _posts = build_rich_publication(settings)
    # Rows of a reader outside the publication that reach into it only through another row.
    stray = factories.make_person()
    Note.objects.create(
        author=stray, parent=Note.objects.get(body_markdown="Hi"), body_markdown="Me too"
    )
    collector = NestedObjects(using="default")
    collector.collect([publication])
    collected = {
        (layout.table_label(obj.__class__), obj.pk)
        for model, objects in collector.data.items()
        for obj in objects
        if not is_excluded(model)
    }
    ours = {
        (layout.table_label(model), pk)
        for model, queryset in collect_publication(publication).querysets.items()
        for pk in queryset.values_list("pk", flat=True)
    }
    assert collected - ours == set()


@pytest.mark.django_db
def test_other_publications_rows_are_not_exported(settings, media_root, tmp_path):
    publication, _posts = build_rich_publication(settings)
    other = factories.make_publication("Other", "other")
    stranger = factories.make_person("Stranger", "stranger@example.com")
    factories.make_post(other, "Not ours", author=stranger)
    export_publication(publication, tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        posts = archive.read("data/posts.post.jsonl").decode()
        people = archive.read("data/accounts.person.jsonl").decode()
    assert "Not ours" not in posts
    assert "stranger@example.com" not in people
    assert "password" not in people
    assert Person.objects.filter(email="stranger@example.com").exists()


@pytest.mark.django_db
def test_the_archive_has_readable_posts_pages_and_a_subscriber_list(settings, media_root, tmp_path):
    publication, posts = build_rich_publication(settings)
    export_publication(publication, tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        names = set(archive.namelist())
        markdown = archive.read(f"posts/{posts['paid'].slug}.md").decode()
        subscribers = archive.read("subscribers.csv").decode()
    assert f"pages/{posts['page'].slug}.md" in names
    assert f"posts/{posts['draft'].slug}.html" in names
    assert {"media/covers/free.png", "media/imports/team.png", "media/logos/rich.png"} <= names
    assert 'audience: "paid"' in markdown and 'title: "Paid only"' in markdown
    assert subscribers.splitlines()[0].startswith("email,name,status,source")
    assert "active@example.com,Reader active,active,website" in subscribers
    assert "cus_1" in subscribers and "sub_1" in subscribers
    if hasattr(Subscription, "labels"):
        assert '"vip, press"' in subscribers


@pytest.mark.django_db
def test_references_to_other_publications_are_cut_not_followed(settings, media_root, tmp_path):
    publication = factories.make_publication("Ours", "ours")
    owner = factories.make_person("Owner")
    other = factories.make_publication("Theirs", "theirs")
    their_post = factories.make_post(other, "Their post")
    ours = Note.objects.create(author=owner, publication=publication, linked_post=their_post)
    Recommendation.objects.create(publication=publication, recommended_publication=other)
    Recommendation.objects.create(publication=other, recommended_publication=publication)
    export_publication(publication, tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        notes = [json.loads(line) for line in archive.read("data/notes.note.jsonl").splitlines()]
        posts = archive.read("data/posts.post.jsonl")
        manifest = json.loads(archive.read("manifest.json"))
    assert [(note["pk"], note["linked_post_id"]) for note in notes] == [(ours.pk, None)]
    assert posts == b""
    # A recommendation cannot stand without the publication it names: left out, and said so.
    assert len(manifest["left_out"]["referrals.recommendation"]) == 2
    assert manifest["tables"]["referrals.recommendation"] == 0
