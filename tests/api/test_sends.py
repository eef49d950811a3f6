"""Sends and their counts, for keys only."""

from masthead.delivery.models import Delivery, DeliveryState, Send
from tests.api.conftest import assert_problem, bearer


def _send(publication, subject="Issue 1"):
    return Send.objects.create(
        publication=publication,
        sender="a@example.com",
        subject=subject,
        html_template="",
        text_template="",
        recipient_count=2,
    )


def test_read_key_lists_sends_with_their_outcomes(client, base, read_key, publication):
    send = _send(publication)
    Delivery.objects.create(send=send, email="a@example.com", state=DeliveryState.SENT)
    Delivery.objects.create(send=send, email="b@example.com", state=DeliveryState.BOUNCED)
    response = client.get(f"{base}/sends", **bearer(read_key))
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert item["subject"] == "Issue 1"
    assert item["outcomes"]["sent"] == 1 and item["outcomes"]["bounced"] == 1
    one = client.get(f"{base}/sends/{send.id}", **bearer(read_key)).json()
    assert one["id"] == send.id


def test_sends_need_a_key_and_stay_in_their_publication(client, base, read_key):
    from tests.factories import make_publication

    other = _send(make_publication())
    assert_problem(client.get(f"{base}/sends"), 401)
    assert_problem(client.get(f"{base}/sends/{other.id}", **bearer(read_key)), 404)
