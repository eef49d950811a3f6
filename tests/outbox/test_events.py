"""Every change that matters writes an event in its own transaction, and only then."""

import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from masthead.billing.models import PaidSubscription, Plan
from masthead.billing.sync import mirror
from masthead.delivery.models import Send, SendState
from masthead.delivery.services.progress import finish_send_if_complete
from masthead.engagement.services import add_comment
from masthead.outbox.models import Event
from masthead.outbox.services import dispatch_pending
from masthead.posts.models import Post, PostStatus
from masthead.posts.services import (
    PostContent,
    publish_if_still_scheduled,
    publish_post,
    unpublish_post,
    update_post,
)
from masthead.subscriptions.models import Subscription
from masthead.subscriptions.services import (
    confirm_subscription,
    confirmation_token,
    subscribe,
    unsubscribe,
)
from tests import factories


def types_of(publication) -> list[str]:
    return list(
        Event.objects.filter(publication=publication).order_by("id").values_list("type", flat=True)
    )


def test_publishing_updating_and_unpublishing_record_events(publication):
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    publish_post(post)
    update_post(post, PostContent(title="Hello again", body_markdown="New words."))
    unpublish_post(post)
    assert types_of(publication) == ["post.published", "post.updated", "post.unpublished"]
    published = Event.objects.filter(type="post.published").get()
    assert published.data["post_id"] == post.id
    assert published.data["title"] == "Hello"
    body = json.loads(published.body)
    assert body["id"] == published.public_id and body["id"].startswith("evt_")
    assert body["type"] == "post.published" and body["publication"] == publication.id


def test_saving_a_draft_records_nothing(publication):
    post = factories.make_post(publication, "Draft", status=PostStatus.DRAFT)
    update_post(post, PostContent(title="Still a draft", body_markdown="Words."))
    unpublish_post(post)
    assert types_of(publication) == []


def test_a_change_that_rolls_back_leaves_no_event(publication, endpoint, receiver):
    post = factories.make_post(publication, "Never", status=PostStatus.DRAFT)
    with pytest.raises(RuntimeError), transaction.atomic():
        publish_post(post)
        assert types_of(publication) == ["post.published"]
        raise RuntimeError("the rest of the change failed")
    assert types_of(publication) == []
    dispatch_pending()
    assert receiver.requests == []


def test_a_committed_event_queues_delivery_after_commit(
    publication, endpoint, django_capture_on_commit_callbacks
):
    post = factories.make_post(publication, "Soon", status=PostStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        publish_post(post)
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_outbox").count() == 1


def test_no_task_is_queued_for_a_publication_without_endpoints(
    publication, django_capture_on_commit_callbacks
):
    post = factories.make_post(publication, "Quiet", status=PostStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        publish_post(post)
    assert types_of(publication) == ["post.published"]
    assert not DBTaskResult.objects.filter(task_path__endswith="deliver_outbox").exists()


def test_committed_change_reaches_the_endpoint_through_the_worker(
    publication, endpoint, receiver, run_worker, django_capture_on_commit_callbacks
):
    post = factories.make_post(publication, "Out now", status=PostStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        publish_post(post)
    run_worker()
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["post.published"]


def test_subscriber_lifecycle_records_events(publication):
    subscribe(publication, "new@example.com", client="test")
    subscription = Subscription.objects.get(publication=publication)
    confirm_subscription(confirmation_token(subscription))
    confirm_subscription(confirmation_token(subscription))  # twice: confirmed once
    unsubscribe(subscription)
    unsubscribe(subscription)
    assert types_of(publication) == [
        "subscriber.added",
        "subscriber.confirmed",
        "subscriber.unsubscribed",
    ]
    added = Event.objects.get(type="subscriber.added")
    assert added.data["email"] == "new@example.com"
    assert added.data["subscription_id"] == subscription.id


def test_comment_records_an_event(published_post, reader):
    add_comment(published_post, reader, "Nice one.")
    event = Event.objects.get(type="comment.added")
    assert event.data["post_id"] == published_post.id
    assert event.data["body_markdown"] == "Nice one."


def test_a_scheduled_post_going_out_records_published(publication):
    post = factories.make_post(publication, "Later", status=PostStatus.DRAFT)
    moment = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=1)
    Post.objects.filter(id=post.id).update(status=PostStatus.SCHEDULED, published_at=moment)
    assert publish_if_still_scheduled(post.id, moment)
    assert not publish_if_still_scheduled(post.id, moment)  # a second run publishes nothing
    assert types_of(publication) == ["post.published"]


def test_a_finished_send_records_its_counts(published_post):
    send = Send.objects.create(
        publication=published_post.publication,
        post=published_post,
        state=SendState.SENDING,
        sender="x@example.com",
        subject="Hi",
        html_template="<p>x</p>",
        text_template="x",
    )
    assert finish_send_if_complete(send.id)
    event = Event.objects.get(type="send.finished")
    assert event.data["send_id"] == send.id and event.data["sent_count"] == 0


def test_a_paid_subscription_that_starts_paying_records_upgraded(publication, reader):
    plan = Plan.objects.create(
        publication=publication,
        interval="month",
        name="Monthly",
        amount=500,
        currency="usd",
        stripe_plan_id="plan_outbox",
    )
    subscription = Subscription.objects.create(publication=publication, person=reader)
    PaidSubscription.objects.create(
        subscription=subscription, plan=plan, stripe_subscription_id="sub_1", status="incomplete"
    )
    data = {"id": "sub_1", "status": "active", "items": {"data": [{"plan": {"id": "plan_outbox"}}]}}
    mirror(data)
    mirror(data)  # still paying: no second event
    event = Event.objects.get(type="subscriber.upgraded")
    assert event.data["subscription_id"] == subscription.id and event.data["plan_id"] == plan.id
