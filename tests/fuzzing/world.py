"""One of everything a URL can name, made through the apps' services, and who to be."""

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.fuzzing.endpoints import MALFORMED_PATH_VALUES, Endpoint, build_path

MAIL_NAME = "1700000000000-0123abcd.eml"
MEDIA_NAME = "fuzz/cover.png"
PUBLICATION_HOST = "weekly.example"
WEBHOOK_SECRET = "fuzz:secret"


@dataclass
class World:
    """One of each thing a URL can name, made through the apps' services, and who to be."""

    people: dict = field(default_factory=dict)  # "reader", "owner" -> Person
    path_values: dict = field(default_factory=dict)  # parameter -> real value
    endpoint_values: dict = field(default_factory=dict)  # (endpoint, parameter) -> real value
    publication: object = None
    headers: dict = field(default_factory=dict)  # route prefix -> headers every request needs
    json_examples: dict = field(default_factory=dict)  # endpoint -> a body it really receives

    def headers_for(self, endpoint: Endpoint) -> tuple:
        for prefix, headers in self.headers.items():
            if endpoint.route.startswith(prefix):
                return headers
        return ()

    def real_value(self, endpoint: Endpoint, parameter: str) -> str | None:
        value = self.endpoint_values.get((endpoint.name, parameter))
        if value is None:
            value = self.path_values.get(parameter)
        return None if value is None else str(value)

    def missing_parameters(self, endpoint: Endpoint) -> list[str]:
        return [name for name, _ in endpoint.parameters if self.real_value(endpoint, name) is None]

    def real_path(self, endpoint: Endpoint) -> str:
        return build_path(
            endpoint, {name: self.real_value(endpoint, name) for name, _ in endpoint.parameters}
        )

    def path_variants(self, endpoint: Endpoint) -> Iterator[str]:
        """The real path, then each parameter in turn malformed while the others stay real."""
        real = {name: self.real_value(endpoint, name) for name, _ in endpoint.parameters}
        yield build_path(endpoint, real)
        for name, kind in endpoint.parameters:
            for value in MALFORMED_PATH_VALUES.get(kind, MALFORMED_PATH_VALUES["str"]):
                yield build_path(endpoint, {**real, name: value})


IMPORT_PAGES = ("run", "report", "resume")


def webhook_examples(email: str) -> dict:
    """What each provider posts about a bounce, as its documentation shows it."""
    return {
        "bounces:postmark_tracking_webhook": {
            "RecordType": "Bounce",
            "ID": 4323372036854775807,
            "Type": "HardBounce",
            "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
            "Details": "smtp;550 5.1.1 The email account does not exist.",
            "Email": email,
            "BouncedAt": "2026-11-23T10:05:00Z",
            "Metadata": {},
        },
        "bounces:brevo_tracking_webhook": {
            "event": "hard_bounce",
            "email": email,
            "message-id": "<1@example.com>",
            "reason": "550 no such user",
            "ts_event": 1700000000,
        },
        "bounces:resend_tracking_webhook": {
            "type": "email.bounced",
            "created_at": "2026-11-23T10:05:00.000Z",
            "data": {"email_id": "4ef9a417", "to": [email], "bounce": {"message": "550"}},
        },
    }


def _gift_and_group(publication, payer):
    """A paid gift and a paying group of the reader's, as the Stripe flows leave them (the
    fuzzer runs without Stripe, so the rows are written as those flows write them)."""
    from masthead.billing.gift_models import Gift, Group, GroupSeat
    from masthead.billing.models import Plan

    plan = Plan.objects.create(
        publication=publication,
        interval="year",
        name="Yearly",
        amount=8000,
        currency="usd",
        stripe_plan_id="plan_fuzz_yearly",
    )
    gift = Gift.objects.create(
        publication=publication,
        buyer=payer,
        recipient_email="giftee@example.com",
        months=12,
        amount=8000,
        currency="usd",
        stripe_payment_intent_id="pi_fuzz",
    )
    group = Group.objects.create(
        publication=publication,
        payer=payer,
        plan=plan,
        seat_count=3,
        stripe_subscription_id="sub_fuzz_group",
        status="active",
    )
    GroupSeat.objects.create(group=group, email=payer.email)
    seat = GroupSeat.objects.create(group=group, email="member@example.com")
    return gift, group, seat


def build_world(data_dir, media_root) -> World:
    """Make one of everything through the apps' services; call inside a transaction."""
    # Imported here: the fuzzer's module is imported at collection, before any database.
    from django.utils import timezone

    from masthead.accounts.models import SignInLink
    from masthead.accounts.services import sign_in_token
    from masthead.api.keys import create_key
    from masthead.automations import services as automations
    from masthead.billing import gifts, groups
    from masthead.billing.comps import grant_comp
    from masthead.billing.models import Plan
    from masthead.billing.offer_models import Offer
    from masthead.chat import services as chat
    from masthead.delivery.models import Delivery
    from masthead.delivery.services import fan_out
    from masthead.delivery.tracking import tracking_token
    from masthead.discovery.feed_tokens import feed_token_for
    from masthead.engagement.services import add_comment
    from masthead.importers.archive.runs import run_export
    from masthead.importers.models import ExportRun, ImportReportLine, ImportRun
    from masthead.notes import services as notes
    from masthead.outbox.models import WebhookEndpoint
    from masthead.posts.models import Audience, PostStatus
    from masthead.publications import services as publications
    from masthead.publications import social_cards, theme
    from masthead.publications.models import Membership, Role, Section
    from masthead.referrals.services import recommend_publication, referral_code_for
    from masthead.revisions.services import record_revision
    from masthead.subscriptions import importing
    from masthead.subscriptions.models import Subscription, SubscriptionStatus
    from masthead.subscriptions.services import confirmation_token, unsubscribe_token
    from tests import factories

    publication = factories.make_publication("The Fuzz Weekly", "fuzz-weekly", PUBLICATION_HOST)
    elsewhere = factories.make_publication("Elsewhere", "elsewhere")
    owner = factories.make_person("Olive Owner", "olive@example.com")
    reader = factories.make_person("Rita Reader", "rita@example.com")
    pending = factories.make_person("Pat Pending", "pat@example.com")
    muted = factories.make_person("Mo Muted", "mo@example.com")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    now = timezone.now()
    subscription = Subscription.objects.create(
        publication=publication, person=reader, status=SubscriptionStatus.ACTIVE, confirmed_at=now
    )
    Subscription.objects.create(
        publication=publication, person=muted, status=SubscriptionStatus.ACTIVE, confirmed_at=now
    )
    waiting = Subscription.objects.create(publication=publication, person=pending)
    automation_email = automations.create_email(
        publication, kind="welcome", delay_days=0, subject="Welcome", body_markdown="Hi"
    )
    section = Section.objects.create(
        publication=publication, name="Fuzz section", slug="fuzz-section"
    )
    referral_code_for(publication, reader)

    body = "Hello **world**, read [more](https://example.org/more).\n\n![a cover](/media/fuzz/cover.png)"
    post = factories.make_post(publication, "Fuzzed post", author=owner, body=body)
    factories.make_post(publication, "Paid post", author=owner, audience=Audience.PAID)
    draft = factories.make_post(publication, "A draft", author=owner, status=PostStatus.DRAFT)
    record_revision(draft, owner)  # revision 1: its list, comparison and restore have one
    comment = add_comment(post, reader, "A comment.")
    add_comment(post, owner, "A reply.", comment)

    note = notes.post_note(reader, "A note.")
    notes.post_note(owner, "A reply to the note.", parent=note)
    notes.post_note(owner, "As the publication.", publication=publication, linked_post=post)

    thread, _ = chat.post_thread(owner, publication, client_id="fuzz-thread", body="Welcome")
    reply, _ = chat.post_reply(
        reader, publication, thread_id=thread.id, client_id="fuzz-reply", body="Hi"
    )
    chat.mute(owner, publication, person_id=muted.id)

    send = fan_out.create_send(post)
    delivery = Delivery.objects.get(send=send, email=reader.email)
    invitation = publications.invite(publication, owner, "newcomer@example.com", Role.AUTHOR)
    link = SignInLink.objects.create(email=reader.email)
    job = importing.prepare_import(
        publication, owner, [b"email\nnew@example.com\nnot an address\n"], "list.csv"
    )
    # A platform import that stopped (so it can be resumed) with a line in its report, and an
    # export of the publication that finished (its archive is a real file to download).
    import_run = ImportRun.objects.create(
        publication=publication, created_by=owner, source="substack", state="failed", phase="posts"
    )
    ImportReportLine.objects.create(run=import_run, kind="skipped", item="post 1.x", reason="=1+1")
    export_run = ExportRun.objects.create(publication=publication, created_by=owner)
    api_key = create_key(publication, owner, "Fuzz scripts", "write")
    endpoint = WebhookEndpoint.objects.create(
        publication=publication,
        url="https://hooks.example.com/masthead",
        event_types=["post.published"],
        secret="whsec_fuzz",
    )
    run_export(export_run.id)
    suppression = fan_out.suppress("gone@example.com", publication=publication)
    recommendation = recommend_publication(publication, recommended_publication=elsewhere)
    comp = grant_comp(publication, muted.email, months=None, granted_by=owner)
    gift, group, seat = _gift_and_group(publication, reader)
    # A plan as Stripe would have it mirrored (the fuzzer runs without Stripe: checkout is 404).
    plan = Plan.objects.create(
        publication=publication,
        interval="month",
        name="Monthly",
        amount=800,
        currency="usd",
        stripe_plan_id="plan_fuzz",
    )
    # An offer as billing.offers leaves it (its coupon in Stripe is not needed to show or end it).
    offer = Offer.objects.create(
        publication=publication,
        code="fuzz-offer",
        percent_off=10,
        duration="once",
        stripe_coupon_id="coupon_fuzz",
    )
    publication.refresh_from_db()
    name, accent = publication.name, publication.accent_color
    home_card_title = social_cards.home_card_title(publication)

    (data_dir / "mail").mkdir(parents=True, exist_ok=True)
    (data_dir / "mail" / MAIL_NAME).write_bytes(
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: Hi\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hello</p>\r\n"
    )
    (media_root / MEDIA_NAME).parent.mkdir(parents=True, exist_ok=True)
    (media_root / MEDIA_NAME).write_bytes(b"\x89PNG\r\n\x1a\n")  # served as bytes, never decoded

    return World(
        people={"reader": reader, "owner": owner},
        publication=publication,
        # The providers' webhooks check their password before reading anything: give it.
        json_examples=webhook_examples("gone@example.com"),
        headers={
            "webhooks/": (
                ("authorization", "Basic " + base64.b64encode(WEBHOOK_SECRET.encode()).decode()),
            ),
            # The API with a write key: every endpoint is fuzzed as the scripts that use it.
            "api/v1/": (("authorization", f"Bearer {api_key.secret}"),),
        },
        path_values={
            "publication_slug": publication.slug,
            "slug": post.slug,
            "comment_id": comment.id,
            "post_id": draft.id,
            "note_id": note.id,
            "person_id": owner.id,
            "thread_id": thread.id,
            "message_id": reply.id,
            "send_id": send.id,
            "action": "pause",
            "index": 0,
            "job_id": job.id,
            "suppression_id": suppression.id,
            "recommendation_id": recommendation.id,
            "grant_id": comp.id,
            "subscription_id": subscription.id,
            "section_id": section.id,
            "email_id": automation_email.id,
            "subscriber_id": subscription.id,
            "key_id": api_key.key.id,
            "endpoint_id": endpoint.id,
            "rest": "no-such-endpoint",
            "group_id": group.id,
            "seat_id": seat.id,
            "plan_id": plan.id,
            "offer_id": offer.id,
            "name": MAIL_NAME,
            "path": MEDIA_NAME,
        },
        endpoint_values={
            ("accounts:sign_in_link", "token"): sign_in_token(link),
            ("subscriptions:confirm", "token"): confirmation_token(waiting),
            ("subscriptions:unsubscribe", "token"): unsubscribe_token(subscription),
            ("subscriptions:resubscribe", "token"): unsubscribe_token(subscription),
            ("subscriptions:leave_section", "token"): unsubscribe_token(subscription),
            ("subscriptions:rejoin_section", "token"): unsubscribe_token(subscription),
            ("desk:accept_invitation", "token"): publications.invitation_token(invitation),
            ("delivery:track_open", "token"): tracking_token(delivery.id),
            ("delivery:track_click", "token"): tracking_token(delivery.id),
            ("desk:chat_unmute", "person_id"): muted.id,
            ("discovery:private_feed", "token"): feed_token_for(reader, publication),
            ("discovery:sitemap_section", "section"): "posts",
            ("desk:post_revision_restore", "number"): 1,
            **{(f"desk:importers:{name}", "run_id"): import_run.id for name in IMPORT_PAGES},
            **{(f"desk:export:{name}", "run_id"): export_run.id for name in ("run", "download")},
            ("billing:gift_redeem", "token"): gifts.gift_token(gift),
            ("billing:group_claim", "token"): groups.seat_token(seat),
            # Files whose address names their version (an old one redirects to the current).
            ("publications:theme", "version"): theme.theme_version(accent),
            ("publications:social_card", "version"): social_cards.card_version(
                home_card_title, name, accent
            ),
            ("posts:social_card", "version"): social_cards.card_version(post.title, name, accent),
            # The dashboard: a published post's numbers, and one of its CSV tables.
            ("desk:stats:post", "post_id"): post.id,
            ("desk:stats:export", "table"): "posts",
        },
    )
