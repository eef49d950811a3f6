"""Opens and clicks: the pixel and the click redirect, recorded once per event, no open redirect."""

import re
from urllib.parse import urlsplit

import pytest

from masthead.delivery.models import Delivery, DeliveryEvent, Send
from masthead.delivery.services.fan_out import set_tracking
from masthead.delivery.tracking import tracking_token
from masthead.posts.models import PostStatus
from masthead.posts.services import publish_post
from tests import factories

pytestmark = pytest.mark.django_db

TARGET = "https://example.com/docs?a=1&b=2"


@pytest.fixture
def draft(publication):
    return factories.make_post(
        publication,
        "Big news",
        status=PostStatus.DRAFT,
        body=f"Read [the docs]({TARGET}) and [more](https://example.org/more).",
    )


@pytest.fixture
def sent(publication, subscribers, draft, smtp_sink, run_worker):
    """The post sent to three subscribers; the message reader0 received."""
    publish_post(draft, send_email=True)
    run_worker()
    return smtp_sink.last_to("reader0@example.com")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def click_links(message) -> list[str]:
    return [link for link in re.findall(r'href="([^"]+)"', message.html) if "/t/c/" in link]


def pixel_url(message) -> str:
    return re.search(r'<img src="([^"]+/t/o/[^"]+\.gif)"', message.html).group(1)


def test_send_stores_its_links_and_each_message_points_to_them(sent):
    send = Send.objects.get()
    delivery = Delivery.objects.get(email="reader0@example.com")

    assert send.is_tracked
    assert TARGET in send.tracked_links
    assert "https://example.org/more" in send.tracked_links
    token = tracking_token(delivery.id)
    assert all(f"/t/c/{token}/" in link for link in click_links(sent))
    assert f"/t/o/{token}.gif" in pixel_url(sent)


def test_unsubscribe_and_view_in_browser_links_are_not_rewritten(sent):
    view_in_browser = re.search(r'<a href="([^"]+)"[^>]*>View in browser</a>', sent.html)
    unsubscribe = re.search(r'<a href="([^"]+)"[^>]*>Unsubscribe</a>', sent.html)

    assert "/t/c/" not in view_in_browser.group(1)
    assert "/unsubscribe/" in unsubscribe.group(1)
    assert "/t/c/" not in sent.text


def test_pixel_records_the_open_once_per_recipient(client, sent):
    first = client.get(path_of(pixel_url(sent)))
    second = client.get(path_of(pixel_url(sent)))

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "image/gif"
    assert "no-store" in first["Cache-Control"]
    delivery = Delivery.objects.get(email="reader0@example.com")
    assert delivery.opened_at is not None
    assert Send.objects.get().open_count == 1
    assert DeliveryEvent.objects.filter(delivery=delivery, kind="open").count() == 2


def test_click_is_recorded_and_redirects_to_the_stored_link(client, sent):
    send = Send.objects.get()
    index = send.tracked_links.index(TARGET)
    link = next(link for link in click_links(sent) if link.endswith(f"/{index}/"))

    response = client.get(path_of(link))

    assert response.status_code == 302
    assert response["Location"] == TARGET
    delivery = Delivery.objects.get(email="reader0@example.com")
    assert delivery.click_count == 1
    assert delivery.opened_at is not None
    send.refresh_from_db()
    assert send.click_count == 1
    assert send.open_count == 1
    event = DeliveryEvent.objects.get(kind="click")
    assert (event.delivery_id, event.link_index) == (delivery.id, index)


def test_click_ignores_a_url_given_in_the_request(client, sent):
    link = click_links(sent)[0]

    response = client.get(path_of(link) + "?u=https://evil.example/&next=https://evil.example/")

    assert response.status_code == 302
    assert response["Location"] in Send.objects.get().tracked_links
    assert "evil" not in response["Location"]


def test_tampered_token_is_refused_and_nothing_recorded(client, sent):
    delivery = Delivery.objects.get(email="reader0@example.com")
    other = Delivery.objects.get(email="reader1@example.com")
    forged = tracking_token(delivery.id).replace(f"{delivery.id}:", f"{other.id}:")

    click = client.get(f"/t/c/{forged}/0/")
    garbage = client.get("/t/c/not-a-token/0/")
    pixel = client.get(f"/t/o/{forged}.gif")

    assert click.status_code == 400
    assert "This link is damaged" in click.content.decode()
    assert garbage.status_code == 400
    assert pixel.status_code == 200
    assert pixel["Content-Type"] == "image/gif"
    assert not DeliveryEvent.objects.exists()
    assert Send.objects.get().click_count == 0
    assert Send.objects.get().open_count == 0


def test_link_index_out_of_range_is_not_found(client, sent):
    delivery = Delivery.objects.get(email="reader0@example.com")

    response = client.get(f"/t/c/{tracking_token(delivery.id)}/99/")

    assert response.status_code == 404
    assert "no such link" in response.content.decode()
    assert not DeliveryEvent.objects.exists()


def test_tracking_off_sends_plain_links_and_no_pixel(
    publication, subscribers, draft, smtp_sink, run_worker
):
    set_tracking(publication, is_on=False)

    publish_post(draft, send_email=True)
    run_worker()

    send = Send.objects.get()
    message = smtp_sink.last_to("reader0@example.com")
    assert not send.is_tracked
    assert send.tracked_links == []
    assert "/t/o/" not in message.html
    assert "/t/c/" not in message.html
    assert TARGET.replace("&", "&amp;") in message.html


def test_test_sends_are_not_tracked(publication, draft, smtp_sink, run_worker):
    from masthead.delivery.services.fan_out import create_test_send

    create_test_send(draft, "writer@example.com")
    run_worker()

    assert "/t/o/" not in smtp_sink.last_to("writer@example.com").html
