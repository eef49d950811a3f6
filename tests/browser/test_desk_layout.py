"""Every page of the desk, with a full publication's worth of long addresses, at a phone and a
desktop width, in the light and the dark scheme: nothing scrolls sideways, the desk's links take
one line on a desktop and at most two on a phone, every field's border stands out from the page
(3:1, WCAG 1.4.11), every label sits above its field, and axe finds nothing. Full-page
screenshots go to $MASTHEAD_SHOTS when it is set, for a person to look at."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from masthead.chat.models import ChatMessage, ChatMute
from masthead.delivery.models import Delivery, DeliveryState, Suppression, SuppressionReason
from masthead.delivery.services.fan_out import create_send
from masthead.posts.models import PostStatus
from masthead.publications.models import Invitation, Membership, Role
from masthead.publications.services import invitation_token
from masthead.referrals.models import Recommendation
from masthead.subscriptions.import_models import ImportJob, ImportProblem, ImportState
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus
from tests.browser import test_accessibility
from tests.browser.test_accessibility import (
    WIDTHS,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
    sign_in,
)
from tests.factories import make_person, make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The width under test and the screenshot saver, shared with the accessibility tests.
width = test_accessibility.width
shoot = test_accessibility.shoot

LONG_EMAIL = "a.very.long.name.for.testing@subdomain.example-university.edu"


@pytest.fixture(params=["light", "dark"])
def scheme(request):
    return request.param


@pytest.fixture
def desk_page(browser, live_server, width, scheme):
    """A page at the width and in the colour scheme under test; axe's script may run in it."""
    w, h = WIDTHS[width]
    context = browser.new_context(
        bypass_csp=True, viewport={"width": w, "height": h}, color_scheme=scheme
    )
    page = context.new_page()
    yield page
    context.close()


def long_address(n: int) -> str:
    return f"a.very.long.name.for.testing.{n}@subdomain.example-university.edu"


@pytest.fixture
def full_desk(db, settings):
    """A publication as a year of writing leaves it: a team with long addresses, invitations,
    many subscribers, a finished import and one waiting for confirmation, suppressions, a send,
    a muted reader and a hidden message, recommendations. Returns the owner and the desk's URLs."""
    settings.PUBLICATION_CREATORS = "invited"  # team members may start one: the form shows
    publication = make_publication(name="The Daily Build", slug="daily-build")
    other = make_publication(name="Harbour Letters", slug="harbour-letters")
    # Long names, as the header truncates them: the nav must still fit at 1280 px.
    owner = make_person(name="Olivia Alexandra Owner-Montgomery", email="olive@example.com")
    admin = make_person(name="Alexandra Montgomery-Fitzwilliam", email=LONG_EMAIL)
    author = make_person(name="Sam Writer", email="sam@example.com")
    for person, role in [(owner, Role.OWNER), (admin, Role.ADMIN), (author, Role.AUTHOR)]:
        Membership.objects.create(publication=publication, person=person, role=role)
    invitation = Invitation.objects.create(
        publication=publication, email=long_address(0), role=Role.AUTHOR, invited_by=owner
    )
    Invitation.objects.create(
        publication=publication, email="editor@example.org", role=Role.ADMIN, invited_by=owner
    )

    statuses = list(SubscriptionStatus.values)
    sources = list(SubscriptionSource.values)
    for n in range(60):
        reader = make_person(name=f"Reader Number {n}", email=long_address(n + 1))
        Subscription.objects.create(
            publication=publication,
            person=reader,
            status=statuses[n % len(statuses)],
            source=sources[n % len(sources)],
            confirmed_at=timezone.now(),
        )

    finished = ImportJob.objects.create(
        publication=publication,
        created_by=owner,
        file_name="subscribers-exported-from-substack-2026-11-28-final-version.csv",
        state=ImportState.DONE,
        total_rows=120,
        processed_rows=120,
        created_count=112,
        skipped_count=8,
        finished_at=timezone.now(),
    )
    ImportProblem.objects.bulk_create(
        ImportProblem(
            job=finished,
            row_number=row,
            email=long_address(row) if row % 2 else "not-an-address@",
            kind="invalid",
            reason="This is not an email address: it has no domain after the @.",
        )
        for row in range(2, 10)
    )
    problems = [
        {"row": row, "email": long_address(row), "reason": "Already on your list."}
        for row in range(2, 7)
    ]
    waiting = ImportJob.objects.create(
        publication=publication,
        created_by=owner,
        file_name="mailchimp-audience.csv",
        state=ImportState.PREVIEW,
        total_rows=40,
        new_count=35,
        existing_count=5,
        preview_problems={"existing": problems},
    )

    for n, reason in enumerate(SuppressionReason.values):
        Suppression.objects.create(
            publication=publication, email=long_address(100 + n), reason=reason
        )
    Suppression.objects.create(email=long_address(200), reason=SuppressionReason.HARD_BOUNCE)

    for n in range(4):
        make_post(publication, f"Field report number {n}: the long way round", author=owner)
    draft = make_post(
        publication, "A draft with a long title", status=PostStatus.DRAFT, author=owner
    )
    sent = make_post(publication, "Sunrise over the harbour", status=PostStatus.DRAFT, author=owner)
    send = create_send(sent)
    Delivery.objects.bulk_create(
        Delivery(send=send, email=long_address(300 + n), state=DeliveryState.SENT) for n in range(5)
    )

    muted = make_person(name="Mute Me", email=long_address(400))
    ChatMute.objects.create(publication=publication, person=muted, muted_by=owner)
    ChatMessage.objects.create(
        publication=publication,
        author=muted,
        client_id="hidden-1",
        body="Something the writer hid. " * 12,
        hidden_at=timezone.now() - dt.timedelta(hours=2),
    )
    Recommendation.objects.create(publication=publication, recommended_publication=other)
    Recommendation.objects.create(
        publication=publication,
        url="https://a-very-long-domain-name-for-a-newsletter.example-university.edu/letters/",
        name="The University Letters",
        description="Long reads from a long address.",
    )

    slug = publication.slug
    pages = {
        "home": reverse("desk:home"),
        "publication-create": reverse("desk:publication_create"),
        "dashboard": reverse("desk:dashboard", args=[slug]),
        "post-list": reverse("desk:post_list", args=[slug]),
        "post-delete": reverse("desk:post_delete", args=[slug, draft.id]),
        "sends": reverse("delivery:desk_sends", args=[slug]),
        "suppressions": reverse("bounces:desk_suppressions", args=[slug]),
        "subscribers": reverse("desk:subscriber_list", args=[slug]),
        "subscriber-import": reverse("desk:subscriber_import", args=[slug]),
        "import-preview": reverse("desk:subscriber_import_preview", args=[slug, waiting.id]),
        "import-job": reverse("desk:subscriber_import_job", args=[slug, finished.id]),
        "referrals": reverse("referrals:desk_rewards", args=[slug]),
        "recommendations": reverse("referrals:desk_recommendations", args=[slug]),
        "chat-settings": reverse("desk:chat_settings", args=[slug]),
        "team": reverse("desk:team", args=[slug]),
        "settings": reverse("desk:settings", args=[slug]),
        "invitation": reverse("desk:accept_invitation", args=[invitation_token(invitation)]),
        "profile": reverse("accounts:account"),
    }
    return owner, pages


# How many lines the header's parts take: their boxes grouped by the height of their middle.
HEADER_LINES = """() => {
  const parts = [...document.querySelectorAll(
    ".desk-header__brand, .desk-nav li, .desk-header__end > *")];
  const middles = parts.map((part) => {
    const box = part.getBoundingClientRect();
    return box.top + box.height / 2;
  }).sort((a, b) => a - b);
  let lines = 0, last = -Infinity;
  for (const middle of middles) { if (middle - last > 8) { lines += 1; last = middle; } }
  const nav = document.querySelector(".desk-nav");
  return {lines, navScrolls: nav ? nav.scrollWidth > nav.clientWidth : false};
}"""

TEXT_FIELDS = (
    "input:is([type=text], [type=email], [type=search], [type=url], [type=number], [type=date],"
    " [type=datetime-local], [type=password], [type=tel], :not([type])), select, textarea"
)

# The contrast of each visible field's border with the page's background (WCAG's formula).
FIELD_CONTRASTS = """(selector) => {
  const rgba = (colour) => {
    const probe = document.createElement("canvas").getContext("2d");
    probe.fillStyle = colour;
    probe.fillRect(0, 0, 1, 1);
    return [...probe.getImageData(0, 0, 1, 1).data];
  };
  const luminance = ([r, g, b]) => {
    const linear = (c) => (c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const background = rgba(getComputedStyle(document.body).backgroundColor);
  return [...document.querySelectorAll(selector)]
    .filter((field) => field.getClientRects().length && field.type !== "hidden")
    .map((field) => {
      const [r, g, b, a] = rgba(getComputedStyle(field).borderTopColor);
      const border = [r, g, b].map((c, i) => c * (a / 255) + background[i] * (1 - a / 255));
      return {field: field.name || field.id, ratio: ratio(border, background)};
    });
}"""

# Labels of text-like fields whose bottom is below their field's top: beside it, not above.
LABELS_BESIDE = """(selector) => [...document.querySelectorAll("label[for]")].flatMap((label) => {
  const field = document.getElementById(label.htmlFor);
  if (!field || !field.matches(selector) || !field.getClientRects().length) return [];
  const [l, f] = [label.getBoundingClientRect(), field.getBoundingClientRect()];
  return l.bottom <= f.top + 1 ? [] : [label.htmlFor];
})"""


def test_every_desk_page_fits_and_its_forms_read_the_same(
    desk_page, live_server, full_desk, width, scheme, shoot
):
    owner, pages = full_desk
    sign_in(desk_page, live_server, owner)
    most_lines = 1 if width == "desktop" else 2
    problems = []

    for name, path in pages.items():
        response = desk_page.goto(live_server.url + path)
        assert response.status == 200, f"{name}: {response.status}"
        shoot(desk_page, f"desk-{name}" if scheme == "light" else f"desk-{name}-dark")

        try:
            assert_no_horizontal_scroll(desk_page)
        except AssertionError as overflow:
            problems.append(f"{name}: {overflow}")
        header = desk_page.evaluate(HEADER_LINES)
        if header["lines"] > most_lines:
            problems.append(f"{name}: the desk's header takes {header['lines']} lines")
        if width == "desktop" and header["navScrolls"]:
            problems.append(f"{name}: the desk's links do not all show at {WIDTHS[width][0]}px")
        for field in desk_page.evaluate(FIELD_CONTRASTS, TEXT_FIELDS):
            if field["ratio"] < 3:
                problems.append(f"{name}: the border of {field['field']} is {field['ratio']:.2f}:1")
        for field_id in desk_page.evaluate(LABELS_BESIDE, TEXT_FIELDS):
            problems.append(f"{name}: the label of #{field_id} is not above it")
        try:
            assert_no_axe_violations(desk_page)
        except AssertionError as report:
            problems.append(f"{name}: {report}")

    assert not problems, "\n".join(problems)


@pytest.fixture
def phone_page(browser):
    w, h = WIDTHS["phone"]
    context = browser.new_context(viewport={"width": w, "height": h})
    yield context.new_page()
    context.close()


def test_on_a_phone_the_desk_links_scroll_into_view_from_the_keyboard(
    phone_page, live_server, full_desk
):
    owner, pages = full_desk
    page, w = phone_page, WIDTHS["phone"][0]
    sign_in(page, live_server, owner)
    page.goto(live_server.url + pages["dashboard"])
    nav = page.get_by_role("navigation", name="Desk")
    settings_link = nav.get_by_role("link", name="Settings")
    assert nav.evaluate("nav => nav.scrollWidth > nav.clientWidth")  # the row does scroll
    assert settings_link.bounding_box()["x"] > w  # past the edge at first

    nav.focus()
    for _ in range(20):
        if page.evaluate("document.activeElement.textContent") == "Settings":
            break
        page.keyboard.press("Tab")

    box = settings_link.bounding_box()
    assert page.evaluate("document.activeElement.textContent") == "Settings"
    assert box["x"] >= 0 and box["x"] + box["width"] <= w
