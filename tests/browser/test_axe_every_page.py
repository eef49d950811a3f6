"""axe-core finds no violation, of any impact, on every reader page and every desk page, as a
visitor, a signed-in free subscriber and the writer, at a desktop and a phone width; at the phone
width nothing scrolls sideways. Every page is saved as a full-page screenshot named
page-role-width (copied into $MASTHEAD_SHOTS when set) for a person to look at.

One world (the demo publication, plus a covered post, a paid post, a section, a comment with a
reply, a note thread, a send, a suppression, an import, an invitation, a stored email) serves one
browser context per role and width; each page is a subtest, so one report names every page that
fails. Live-server tests flush the database after each test, so the world is built per test.
"""

import datetime as dt
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from masthead.accounts.models import Person, SignInLink
from masthead.accounts.services import sign_in_token
from masthead.api.keys import create_key
from masthead.automations import services as automations
from masthead.chat.models import ChatMessage
from masthead.delivery.mailbox import mail_folder
from masthead.delivery.models import Suppression, SuppressionReason
from masthead.delivery.services.fan_out import create_send
from masthead.demo import content
from masthead.demo.services import load_demo_publication
from masthead.engagement.services import add_comment
from masthead.importers.models import ExportRun, ImportReportLine, ImportRun
from masthead.notes.services import post_note
from masthead.outbox.models import WebhookEndpoint
from masthead.posts.models import Audience, PostStatus
from masthead.posts.services import PostContent, update_post
from masthead.publications.models import Role, Section
from masthead.publications.services import invitation_token, invite
from masthead.referrals.services import recommend_publication
from masthead.revisions.services import record_revision
from masthead.stats.models import SubscriberActivity
from masthead.subscriptions import importing
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import confirmation_token, unsubscribe_token
from tests.browser.test_accessibility import (
    WIDTHS,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
    missing_references,
    save_screenshot,
    sign_in,
)
from tests.browser.test_publication_face import picture
from tests.factories import make_person, make_post, make_publication
from tests.stats.dashboard_data import make_showcase_stats

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VISITOR, SUBSCRIBER, WRITER = "visitor", "subscriber", "writer"
EVERYONE = frozenset({VISITOR, SUBSCRIBER, WRITER})
SIGNED_IN = frozenset({SUBSCRIBER, WRITER})
WRITER_ONLY = frozenset({WRITER})

BODY = "\n\n".join(
    ["The boats leave before the light, one after another, into the grey of the harbour."] * 5
)
PAID_BODY = (
    "## The harbour at dawn\n\nBy six the quay is empty and the gulls have it to themselves.\n\n"
    "<!-- paywall -->\n\nWhat the harbour master told us about the new breakwater.\n\n"
    "The numbers nobody has published yet."
)
MAIL = (
    "From: Distributed Systems Weekly <masthead@localhost>\r\nTo: reader@example.com\r\n"
    "Subject: Welcome aboard\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
    '--b\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\nWelcome aboard.\r\n'
    '--b\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n'
    "<!doctype html><html lang=en><head><title>Welcome aboard</title></head>"
    "<body><p>Welcome aboard.</p></body></html>\r\n--b--\r\n"
)


def store_mail() -> str:
    """One message in the embedded mail sink's folder, as the sink stores it."""
    mail_folder().mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
    (mail_folder() / name).write_bytes(MAIL.encode())
    return name


@pytest.fixture
def world(settings, tmp_path):
    """The demo publication and one of every other thing a page can show. Built in a thread of
    its own: Playwright's loop runs in the test's thread, and the chat services broadcast after
    commit with async_to_sync, which refuses to run beside a loop."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path
    settings.MAIL_VIEWER_ENABLED = True
    settings.PUBLICATION_CREATORS = "invited"  # the writer may start another; a reader may not

    def build():
        try:
            return build_world()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(build).result()


def build_world() -> SimpleNamespace:
    publication = load_demo_publication()
    writer = Person.objects.get(email=content.AUTHOR["email"])
    subscriber = Person.objects.get(email="reader01@demo.example.com")
    section = Section.objects.create(
        publication=publication, name="Field reports", slug="field",
        description="Dispatches from the quay, written on the day.",
    )  # fmt: skip
    covered = make_post(
        publication, "A week on the harbour wall", author=writer, body=BODY, section=section,
        subtitle="What the tide brought in",
    )  # fmt: skip
    covered.cover_image.save("cover.png", picture(1600, 900, "#7fb3e0", "#16324f"))
    paid = make_post(
        publication, "The breakwater numbers", author=writer, body=PAID_BODY, audience=Audience.PAID
    )
    comment = add_comment(covered, subscriber, "Lovely piece. Which pier was this?")
    add_comment(covered, writer, "The north one, by the lighthouse.", parent=comment)
    add_comment(covered, make_person("Paul Passer"), "Been there, *windy* place.")
    thread = post_note(writer, "The tide tables are out for December.", publication=publication)
    post_note(subscriber, "Saving these, thanks!", parent=thread)
    draft = make_post(publication, "A draft in progress", status=PostStatus.DRAFT, author=writer)
    keep_two_revisions(draft, writer)
    create_send(covered)
    Suppression.objects.create(
        publication=publication, email="gone@example.com", reason=SuppressionReason.HARD_BOUNCE
    )
    job = importing.prepare_import(
        publication,
        writer,
        [b"email,name\nann@example.com,Ann Archer\nnot-an-address,Bob\n"],
        "readers.csv",
    )
    podcast = make_post(
        publication, "Sounds of the harbour", author=writer, kind="podcast",
        audio_url="https://cdn.example.com/harbour-sounds.mp3", tags=["audio", "harbour"],
    )  # fmt: skip
    about_page = make_post(publication, "Our harbour", author=writer, kind="page")
    import_run = ImportRun.objects.create(
        publication=publication, created_by=writer, source="substack", state="done",
        file_names=["harbour-export.zip"], totals={"posts": 3, "subscribers": 5, "deliveries": 9},
        counts={"posts_done": 3, "posts_imported": 2, "posts_warning": 1, "subscribers_done": 5,
                "subscribers_imported": 4, "subscribers_skipped": 1, "deliveries_done": 9,
                "deliveries_imported": 9},
    )  # fmt: skip
    ImportReportLine.objects.create(
        run=import_run, kind="warning", item="post 12.the-tide",
        reason="image kept as a link (timed out after 10 s): https://substackcdn.com/image/x.png",
    )  # fmt: skip
    ImportReportLine.objects.create(
        run=import_run, kind="skipped", item="subscriber x@deletion-request.substack.com",
        reason="asked Substack to delete them",
    )  # fmt: skip
    export_run = ExportRun.objects.create(
        publication=publication, created_by=writer, state="done", file_size=2_400_000,
        done_count=10, total_count=10, finished_at=timezone.now(),
    )  # fmt: skip
    create_key(publication, writer, "Zapier", "read")
    endpoint = WebhookEndpoint.objects.create(
        publication=publication, url="https://hooks.example.com/harbour",
        event_types=["post.published", "subscriber.added"], secret="whsec_axe",
    )  # fmt: skip
    invitation = invite(publication, writer, "new.writer@example.com", Role.AUTHOR)
    other = make_publication(name="Harbour Weekly", slug="harbour-weekly")
    recommend_publication(publication, recommended_publication=other, description="Boats.")
    pending = Subscription.objects.create(
        publication=publication,
        person=make_person("Penny Pending", "penny@example.com"),
        status=SubscriptionStatus.PENDING,
    )
    link = SignInLink.objects.create(email=subscriber.email, publication=publication)
    chat_thread = ChatMessage.objects.get(client_id="demo-chat-question")
    make_showcase_stats(publication, [covered, paid, podcast])
    welcome = automations.create_email(
        publication, kind="welcome", delay_days=0, subject="Welcome aboard",
        body_markdown="Glad you are here. Start with [the harbour wall](/).",
    )  # fmt: skip
    automations.create_email(
        publication,
        kind="welcome",
        delay_days=3,
        subject="Our three best pieces",
        body_markdown="…",
    )
    subscription = Subscription.objects.get(publication=publication, person=subscriber)
    SubscriberActivity.objects.update_or_create(
        subscription=subscription, defaults=dict(publication=publication, stars=3, opens_30d=4, clicks_30d=1,
        emails_30d=5, first_engaged_at=timezone.now() - dt.timedelta(days=200),
        last_engaged_at=timezone.now() - dt.timedelta(days=2)),
    )  # fmt: skip
    return SimpleNamespace(
        publication=publication,
        slug=publication.slug,
        writer=writer,
        subscriber=subscriber,
        covered=covered,
        paid=paid,
        comment=comment,
        note=thread,
        draft=draft,
        job=job,
        podcast=podcast,
        about_page=about_page,
        import_run=import_run,
        export_run=export_run,
        endpoint=endpoint,
        chat_thread=chat_thread,
        subscription=subscription,
        section=section,
        welcome=welcome,
        invitation_token=invitation_token(invitation),
        confirmation_token=confirmation_token(pending),
        unsubscribe_token=unsubscribe_token(
            Subscription.objects.get(publication=publication, person=subscriber)
        ),
        sign_in_token=sign_in_token(link),
        mail=store_mail(),
    )


def open_send_dialog(page) -> None:
    """The editor asks once, in a dialog, before a post goes out by email."""
    page.locator("input[name=send_email]").check()
    page.locator("button[name=action][value=publish]").click()
    page.get_by_role("button", name="Confirm and send").wait_for()


def open_send_confirmation(page) -> None:
    """Without the editor's script the server asks instead, on a page of its own: the form is
    submitted as a browser without JavaScript would (submit() fires no submit event)."""
    page.locator("input[name=send_email]").check()
    page.evaluate(
        """() => {
          const form = document.getElementById("post-form");
          form.append(Object.assign(document.createElement("input"),
            {type: "hidden", name: "action", value: "publish"}));
          form.submit();
        }"""
    )
    page.get_by_role("button", name="Confirm and send").wait_for()


def type_into_editor(page) -> None:
    """A new post with a title and a body, its live preview rendered."""
    page.get_by_label("Title", exact=True).fill("Pasted in")
    page.get_by_label("Post", exact=True).fill("## A heading\n\nSome words.\n\n" + BODY)
    page.locator("[data-preview-body] h2").first.wait_for()


def ask_for_a_sign_in_link(page) -> None:
    page.get_by_placeholder("Type your email…").fill("someone@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_load_state()


def subscribe(page) -> None:
    page.get_by_placeholder("Type your email…").fill("someone@example.com")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state()


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[SimpleNamespace], str]
    roles: frozenset[str] = EVERYONE
    then: Callable | None = None  # what a person does on the page before it is checked
    status: int = 200
    is_redirect: bool = False  # the address sends the browser on to the page to check


def keep_two_revisions(post, writer) -> None:
    """Two saves of the draft, for its revision list and their comparison."""
    record_revision(post, writer)
    changed = "The boats leave late today.\n\n" + post.body_markdown
    update_post(post, PostContent(title=post.title, body_markdown=changed))
    record_revision(post, writer)


def at(name: str, *args: Callable[[SimpleNamespace], object], query: str = "") -> Callable:
    return lambda w: reverse(name, args=[arg(w) for arg in args]) + query


def desk(name: str, *args: Callable[[SimpleNamespace], object]) -> Callable:
    return lambda w: reverse(name, args=[w.slug, *(arg(w) for arg in args)])


PAGES = [
    # What readers see.
    Page("home", at("posts:home")),
    Page("home-empty", lambda w: "/pub/harbour-weekly/"),
    Page("archive-latest", at("posts:archive", query="?sort=new")),
    Page("archive-top", at("posts:archive", query="?sort=top")),
    Page("archive-discussions", at("posts:archive", query="?sort=discussions")),
    Page("search", at("discovery:search", query="?q=harbour")),
    Page("search-nothing", at("discovery:search", query="?q=zzzqqq")),
    Page("api-docs", at("api_docs")),
    Page("post", at("posts:detail", lambda w: w.covered.slug)),
    Page("post-paid", at("posts:detail", lambda w: w.paid.slug)),
    Page("post-podcast", at("posts:detail", lambda w: w.podcast.slug)),
    Page("page", at("posts:detail", lambda w: w.about_page.slug)),
    Page(
        "comment",
        at("engagement:comment", lambda w: w.covered.slug, lambda w: w.comment.id),
        is_redirect=True,  # to the comment in its post's page
    ),
    Page("notes", at("notes:publication_notes")),
    Page("note-thread", at("notes:detail", lambda w: w.note.id)),
    Page("person-notes", at("notes:person", lambda w: w.writer.id)),
    Page("chat", at("chat:room")),
    Page("chat-thread", at("chat:thread", lambda w: w.chat_thread.id), SIGNED_IN),
    Page("leaderboard", at("referrals:leaderboard")),
    Page("about", at("publications:about")),
    Page("subscribe", at("subscriptions:subscribe")),
    Page("subscribe-done", at("subscriptions:subscribe"), frozenset({VISITOR}), subscribe),
    Page("sign-in", at("accounts:sign_in")),
    Page("sign-in-sent", at("accounts:sign_in"), frozenset({VISITOR}), ask_for_a_sign_in_link),
    Page("sign-in-link", at("accounts:sign_in_link", lambda w: w.sign_in_token)),
    Page("link-error", at("accounts:sign_in_link", lambda w: "not-a-token"), status=400),
    Page("confirm", at("subscriptions:confirm", lambda w: w.confirmation_token)),
    Page("unsubscribe", at("subscriptions:unsubscribe", lambda w: w.unsubscribe_token)),
    Page(
        "leave-section",
        at("subscriptions:leave_section", lambda w: w.unsubscribe_token, lambda w: w.section.id),
    ),
    Page("archive-section", at("posts:archive", query="?section=field")),
    Page("invitation", at("desk:accept_invitation", lambda w: w.invitation_token)),
    Page("not-found", lambda w: "/no-such-page/", status=404),
    # What signed-in readers see.
    Page("notes-feed", at("notes:feed"), SIGNED_IN),
    Page("like", at("engagement:like", lambda w: w.covered.slug), SIGNED_IN),
    Page("restack-note", at("notes:restack", lambda w: w.note.id), SIGNED_IN),
    Page("restack-post", at("notes:post_restack", lambda w: w.covered.slug), SIGNED_IN),
    Page("account", at("accounts:account"), SIGNED_IN),
    Page("account-delete", at("accounts:delete"), SIGNED_IN),
    Page("notifications", at("engagement:notifications"), SIGNED_IN),
    Page(
        "comment-edit",
        at("engagement:comment_edit", lambda w: w.covered.slug, lambda w: w.comment.id),
        frozenset({SUBSCRIBER}),
    ),
    Page("note-edit", at("notes:edit", lambda w: w.note.id), WRITER_ONLY),
    # The desk.
    Page("desk", at("desk:home"), WRITER_ONLY, is_redirect=True),  # to the only dashboard
    Page("publication-create", at("desk:publication_create"), WRITER_ONLY),
    Page(
        "publication-create-refused",
        at("desk:publication_create"),
        frozenset({SUBSCRIBER}),
        status=403,
    ),
    Page("dashboard", desk("desk:dashboard"), WRITER_ONLY),
    Page("team", desk("desk:team"), WRITER_ONLY),
    Page("settings", desk("desk:settings"), WRITER_ONLY),
    Page("post-list", desk("desk:post_list"), WRITER_ONLY),
    Page("post-new", desk("desk:post_new"), WRITER_ONLY),
    Page("post-new-typed", desk("desk:post_new"), WRITER_ONLY, type_into_editor),
    Page("post-edit-draft", desk("desk:post_edit", lambda w: w.draft.id), WRITER_ONLY),
    Page("post-edit-published", desk("desk:post_edit", lambda w: w.covered.id), WRITER_ONLY),
    Page("post-preview", desk("desk:post_preview", lambda w: w.draft.id), WRITER_ONLY),
    Page("post-delete", desk("desk:post_delete", lambda w: w.draft.id), WRITER_ONLY),
    Page("post-revisions", desk("desk:post_revisions", lambda w: w.draft.id), WRITER_ONLY),
    Page(
        "post-revisions-compare",
        lambda w: reverse("desk:post_revisions_compare", args=[w.slug, w.draft.id]) + "?a=1&b=2",
        WRITER_ONLY,
    ),
    Page(
        "send-dialog", desk("desk:post_edit", lambda w: w.draft.id), WRITER_ONLY, open_send_dialog
    ),
    Page(
        "send-confirm",
        desk("desk:post_edit", lambda w: w.draft.id),
        WRITER_ONLY,
        open_send_confirmation,
    ),
    Page("subscribers", desk("desk:subscriber_list"), WRITER_ONLY),
    Page("calendar", desk("desk:calendar"), WRITER_ONLY),
    Page("sections", desk("desk:sections"), WRITER_ONLY),
    Page("section-new", desk("desk:section_create"), WRITER_ONLY),
    Page("section-edit", desk("desk:section_edit", lambda w: w.section.id), WRITER_ONLY),
    Page("section-delete", desk("desk:section_delete", lambda w: w.section.id), WRITER_ONLY),
    Page("automations", desk("desk:automations:overview"), WRITER_ONLY),
    Page(
        "automation-new",
        lambda w: desk("desk:automations:new")(w) + "?kind=welcome",
        WRITER_ONLY,
    ),
    Page("automation-edit", desk("desk:automations:edit", lambda w: w.welcome.id), WRITER_ONLY),
    Page("subscriber-import", desk("desk:subscriber_import"), WRITER_ONLY),
    Page(
        "subscriber-import-preview",
        desk("desk:subscriber_import_preview", lambda w: w.job.id),
        WRITER_ONLY,
    ),
    Page("import-start", desk("desk:importers:start"), WRITER_ONLY),
    Page("import-run", desk("desk:importers:run", lambda w: w.import_run.id), WRITER_ONLY),
    Page("export", desk("desk:export:export"), WRITER_ONLY),
    Page("api-keys", desk("desk:api:desk_keys"), WRITER_ONLY),
    Page("webhooks", desk("desk:outbox:desk_endpoints"), WRITER_ONLY),
    Page(
        "webhook",
        desk("desk:outbox:desk_endpoint_detail", lambda w: w.endpoint.id),
        WRITER_ONLY,
    ),
    Page("export-run", desk("desk:export:run", lambda w: w.export_run.id), WRITER_ONLY),
    Page("chat-settings", desk("desk:chat_settings"), WRITER_ONLY),
    Page("sends", desk("delivery:desk_sends"), WRITER_ONLY),
    Page("suppressions", desk("bounces:desk_suppressions"), WRITER_ONLY),
    Page("referral-rewards", desk("referrals:desk_rewards"), WRITER_ONLY),
    Page("recommendations", desk("referrals:desk_recommendations"), WRITER_ONLY),
    Page("stats-overview", desk("desk:stats:overview"), WRITER_ONLY),
    Page("stats-overview-30", lambda w: desk("desk:stats:overview")(w) + "?days=30", WRITER_ONLY),
    Page("stats-subscribers", desk("desk:stats:subscribers"), WRITER_ONLY),
    Page(
        "stats-subscribers-365",
        lambda w: desk("desk:stats:subscribers")(w) + "?days=365",
        WRITER_ONLY,
    ),
    Page("stats-posts", desk("desk:stats:posts"), WRITER_ONLY),
    Page("stats-post", desk("desk:stats:post", lambda w: w.podcast.id), WRITER_ONLY),
    Page("stats-traffic", desk("desk:stats:traffic"), WRITER_ONLY),
    Page(
        "stats-subscriber-detail",
        desk("desk:subscriber_detail", lambda w: w.subscription.id),
        WRITER_ONLY,
    ),
    Page("mail-list", at("delivery:mail_list"), WRITER_ONLY),
    Page("mail-detail", at("delivery:mail_detail", lambda w: w.mail), WRITER_ONLY),
]


def check_page(page, url: str, spec: Page, shot) -> None:
    response = page.goto(url)
    assert response.status == spec.status
    # The page itself, not a redirect to another (signing in, say) that is checked elsewhere.
    assert spec.is_redirect or page.url == url
    if spec.then:
        spec.then(page)
    # Every picture has arrived (the lazy ones too), so the screenshot shows them.
    page.evaluate(
        "Promise.all([...document.images].map(i => (i.loading = 'eager', i.decode().catch(() => 0))))"
    )
    try:
        assert_no_axe_violations(page)
        assert missing_references(page) == []
        if page.viewport_size["width"] < 700:
            assert_no_horizontal_scroll(page)
    finally:
        save_screenshot(page, shot)


# The writer's dashboard, checked by a test of its own so `-k stats` runs just these.
STATS_PAGES = [spec for spec in PAGES if spec.name.startswith("stats-")]


def check_pages(browser, live_server, world, tmp_path, subtests, role, size, pages) -> None:
    w, h = WIDTHS[size]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    page = context.new_page()
    if role != VISITOR:
        sign_in(page, live_server, world.writer if role == WRITER else world.subscriber)
    try:
        for spec in pages:
            if role not in spec.roles:
                continue
            with subtests.test(page=spec.name):
                shot = tmp_path / f"{spec.name}-{role}-{w}.png"
                check_page(page, live_server.url + spec.url(world), spec, shot)
    finally:
        context.close()


@pytest.mark.parametrize("size", list(WIDTHS))
@pytest.mark.parametrize("role", [VISITOR, SUBSCRIBER, WRITER])
def test_every_page_has_no_axe_violation(
    browser, live_server, world, tmp_path, subtests, role, size
):
    pages = [spec for spec in PAGES if spec not in STATS_PAGES]
    check_pages(browser, live_server, world, tmp_path, subtests, role, size, pages)


@pytest.mark.parametrize("size", list(WIDTHS))
def test_stats_pages_have_no_axe_violation(browser, live_server, world, tmp_path, subtests, size):
    check_pages(browser, live_server, world, tmp_path, subtests, WRITER, size, STATS_PAGES)
