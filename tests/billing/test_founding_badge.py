"""A founding member's comments carry a "Founding member" badge beside their name (as on
Substack); other paying readers' and free readers' do not, and it costs one query."""

import pytest

from masthead.billing import checkout
from masthead.engagement.services import add_comment
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db


def test_a_founding_members_comment_shows_the_badge(client, priced, publication, payer, card_of):
    founding, monthly = priced[2], priced[0]
    checkout.subscribe(payer, founding, card_of(payer))
    other = make_person(name="Morgan Monthly")
    checkout.subscribe(other, monthly, card_of(other))
    free = make_person(name="Frida Free")
    post = make_post(publication, "Open thread")
    for person in (payer, other, free):
        add_comment(post, person, f"A comment by {person.name}.")

    page = client.get(f"/pub/{publication.slug}/p/{post.slug}/").content.decode()

    assert page.count("Founding member</span>") == 1
    badge_at = page.index("Founding member</span>")
    assert page.rfind("Paula Payer", 0, badge_at) > page.rfind("Morgan Monthly", 0, badge_at)


def test_a_cancelled_founding_member_loses_the_badge_at_the_period_end(
    client, priced, publication, payer, card_of
):
    import time_machine

    paid = checkout.subscribe(payer, priced[2], card_of(payer))
    paid = checkout.set_cancel_at_period_end(paid, True)
    post = make_post(publication, "Open thread")
    add_comment(post, payer, "Still here.")
    url = f"/pub/{publication.slug}/p/{post.slug}/"

    assert "Founding member</span>" in client.get(url).content.decode()
    with time_machine.travel(paid.current_period_end):
        assert "Founding member</span>" not in client.get(url).content.decode()
