"""A paid post's newsletter: the readers with paid access (paying, comped, staff) get it whole,
free subscribers its preview with an upgrade button; each version is rendered once per send and
the deliveries are marked in fan-out's one INSERT ... SELECT, by billing.access's rule."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from masthead.billing import checkout
from masthead.billing.models import AccessGrant, GrantKind
from masthead.delivery import messages
from masthead.delivery.models import Delivery, Send
from masthead.delivery.services.fan_out import create_send, create_test_send
from masthead.posts.models import PostStatus
from masthead.posts.services import publish_post
from masthead.publications.links import publication_link
from masthead.publications.models import Membership
from masthead.subscriptions.models import SubscriptionStatus
from tests.billing.conftest import card_of, payer, priced  # noqa: F401
from tests.delivery.conftest import add_subscriber
from tests.factories import make_post

pytestmark = pytest.mark.django_db

SECRET = "The paid sentence nobody free may read."
PAID_LINK = "https://example.org/only-for-paid-readers"
BODY = (
    "Free one.\n\nFree two.\n\n<!-- paywall -->\n\n"
    f"{SECRET}\n\nMore paid words, and [a paid link]({PAID_LINK})."
)


@pytest.fixture
def readers(publication, priced, payer, card_of):  # noqa: F811
    """A paying reader, a comped one, a staff member and a free subscriber, all subscribed."""
    checkout.subscribe(payer, priced[0], card_of(payer))
    comped = add_subscriber(publication, "comped@example.com")
    AccessGrant.objects.create(publication=publication, person=comped.person, kind=GrantKind.COMP)
    staff = add_subscriber(publication, "editor@example.com")
    Membership.objects.create(publication=publication, person=staff.person, role="editor")
    add_subscriber(publication, "free@example.com")
    return {
        "paying": payer.email,
        "comped": "comped@example.com",
        "staff": "editor@example.com",
        "free": "free@example.com",
    }


def subscribe_page(publication) -> str:
    return publication_link(publication, "subscriptions:subscribe")


def paid_post(publication):
    return make_post(publication, "Paid", status=PostStatus.DRAFT, audience="paid", body=BODY)


def test_readers_with_paid_access_get_the_whole_post_and_free_ones_the_preview(
    publication, readers, smtp_sink, run_worker
):
    publish_post(paid_post(publication), send_email=True)
    run_worker()

    for who in ("paying", "comped", "staff"):
        message = smtp_sink.last_to(readers[who])
        for part in (message.html, message.text):
            assert "Free one." in part and SECRET in part, who
            assert "Upgrade to paid" not in part and "This post is for paid subscribers" not in part
    free = smtp_sink.last_to(readers["free"])
    for part in (free.html, free.text):
        assert "Free one." in part
        assert SECRET not in part and "More paid words" not in part
        assert "This post is for paid subscribers." in part
    assert "Upgrade to paid" in free.html
    assert f"Upgrade to paid to read the rest: {subscribe_page(publication)}" in free.text
    assert len(smtp_sink.messages) == 4


def test_the_upgrade_button_leads_to_the_subscribe_page(publication, readers, settings):
    send = create_send(paid_post(publication))

    button = re.search(r'<a [^>]*class="button"[^>]*>Upgrade to paid</a>', send.html_template)
    assert button is not None
    index = int(re.search(r"/t/c/@@DELIVERY_TOKEN@@/(\d+)/", button.group(0)).group(1))
    assert send.tracked_links[index] == subscribe_page(publication)


def test_without_paid_plans_the_preview_keeps_its_read_on_the_web_button(
    publication, smtp_sink, run_worker
):
    add_subscriber(publication, "free@example.com")
    post = paid_post(publication)

    publish_post(post, send_email=True)
    run_worker()

    message = smtp_sink.last_to("free@example.com")
    assert "Read the rest on the web" in message.html
    assert "Upgrade to paid" not in message.html and "/subscribe/" not in message.html
    assert SECRET not in message.html


def test_each_version_is_rendered_once_per_send(
    publication, readers, smtp_sink, run_worker, monkeypatch
):
    rendered = []
    real_render = messages.render_to_string

    def counting_render(name, context=None, *args, **kwargs):
        rendered.append(name)
        return real_render(name, context, *args, **kwargs)

    monkeypatch.setattr(messages, "render_to_string", counting_render)

    publish_post(paid_post(publication), send_email=True)
    run_worker()

    assert rendered.count("email/newsletter/body.html") == 2  # the preview and the full version
    assert rendered.count("email/newsletter/body.txt") == 2
    assert len(smtp_sink.messages) == 4
    send = Send.objects.get()
    assert SECRET not in send.html_template and SECRET not in send.text_template
    assert SECRET in send.full_html_template and SECRET in send.full_text_template


def test_fan_out_marks_who_gets_the_full_post_in_one_statement(publication, readers):
    post = paid_post(publication)

    with CaptureQueriesContext(connection) as queries:
        send = create_send(post)

    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT INTO delivery_delivery")]
    assert len(inserts) == 1 and "EXISTS" in inserts[0].upper()
    marks = dict(Delivery.objects.filter(send=send).values_list("email", "gets_full_post"))
    assert marks == {
        readers["paying"]: True,
        readers["comped"]: True,
        readers["staff"]: True,
        readers["free"]: False,
    }


def test_an_ended_subscription_or_an_expired_comp_gets_the_preview(publication, readers, settings):
    from masthead.billing.models import PaidSubscription

    PaidSubscription.objects.update(status="canceled")
    AccessGrant.objects.update(ends_at=timezone.now() - dt.timedelta(days=1))
    post = paid_post(publication)

    send = create_send(post)

    marks = dict(Delivery.objects.filter(send=send).values_list("email", "gets_full_post"))
    assert marks == {
        readers["paying"]: False,
        readers["comped"]: False,
        readers["staff"]: True,
        readers["free"]: False,
    }


def test_a_free_post_goes_whole_to_everyone_with_no_second_version(publication, readers):
    post = make_post(publication, "Free", status=PostStatus.DRAFT, body=BODY)

    send = create_send(post)

    assert SECRET in send.html_template
    assert send.full_html_template == "" and send.full_text_template == ""
    assert not Delivery.objects.filter(send=send, gets_full_post=True).exists()


def test_links_of_the_full_version_are_tracked_and_lead_where_they_say(
    client, publication, readers, smtp_sink, run_worker
):
    publish_post(paid_post(publication), send_email=True)
    run_worker()

    paying = smtp_sink.last_to(readers["paying"])
    clicks = re.findall(r'href="http://127\.0\.0\.1:8000(/t/c/[^"]+)"', paying.html)
    targets = [client.get(path)["Location"] for path in clicks]
    assert PAID_LINK in targets
    assert f'href="{PAID_LINK}"' not in paying.html  # only behind the tracked redirect
    free = smtp_sink.last_to(readers["free"])
    free_clicks = re.findall(r'href="http://127\.0\.0\.1:8000(/t/c/[^"]+)"', free.html)
    assert PAID_LINK not in [client.get(path)["Location"] for path in free_clicks]
    assert Send.objects.get().click_count == len(clicks) + len(free_clicks)


def test_untracked_sends_carry_the_full_version_as_rendered(
    publication, readers, smtp_sink, run_worker
):
    from masthead.delivery.services.fan_out import set_tracking

    set_tracking(publication, False)
    publish_post(paid_post(publication), send_email=True)
    run_worker()

    assert PAID_LINK in smtp_sink.last_to(readers["comped"]).html
    assert PAID_LINK not in smtp_sink.last_to(readers["free"]).html
    assert "/t/o/" not in smtp_sink.last_to(readers["comped"]).html


def test_the_test_email_of_a_paid_post_is_the_preview_free_subscribers_get(
    publication, readers, smtp_sink, run_worker
):
    create_test_send(paid_post(publication), "writer@example.com")
    run_worker()

    message = smtp_sink.last_to("writer@example.com")
    assert "Free two." in message.html and SECRET not in message.html
    assert "Upgrade to paid" in message.html


def test_an_unsubscribed_paying_reader_gets_nothing(publication, readers, smtp_sink, run_worker):
    from masthead.subscriptions.models import Subscription

    Subscription.objects.filter(person__email=readers["paying"]).update(
        status=SubscriptionStatus.UNSUBSCRIBED
    )

    publish_post(paid_post(publication), send_email=True)
    run_worker()

    assert smtp_sink.to(readers["paying"]) == []
    assert len(smtp_sink.messages) == 3
