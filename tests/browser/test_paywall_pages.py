"""The paywall in Chromium: a writer inserts it with the editor's button and sees the divider
move in the live preview; a paid post's page shows an anonymous reader only what is above it.
Both pages are axe-clean at a desktop and a phone width, and saved as screenshots (copied into
$MASTHEAD_SHOTS when set) for a person to look at."""

import os
import shutil

import pytest
from django.urls import reverse

from masthead.posts.models import Audience, Post, PostStatus
from masthead.publications.models import Membership, Role
from tests.browser.test_accessibility import (
    WIDTHS,
    assert_accessible,
    assert_no_horizontal_scroll,
    sign_in,
)
from tests.factories import make_person, make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKER = "<!-- paywall -->"
DIVIDER = "Paid subscribers only below this line"
BODY = (
    "## The harbour at dawn\n"
    "The boats leave before the light, one after another, into the grey.\n\n"
    "By six the quay is empty and the gulls have it to themselves.\n\n"
    "What the harbour master told us about the new breakwater.\n\n"
    "The numbers nobody has published yet."
)


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def width(request):
    return request.param


@pytest.fixture
def axe_page(browser, live_server, width):
    """A page at the width under test; axe's injected script needs the CSP bypassed."""
    w, h = WIDTHS[width]
    context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h})
    page = context.new_page()
    problems: list[str] = []  # script errors: the editor's script must run cleanly
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert problems == []


@pytest.fixture
def shoot(tmp_path, width):
    """Saves a full-page screenshot, named after the page and the width."""

    def save(page, name: str) -> None:
        path = tmp_path / f"{name}-{WIDTHS[width][0]}.png"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=path, full_page=True)
        folder = os.environ.get("MASTHEAD_SHOTS")
        if folder:
            os.makedirs(folder, exist_ok=True)
            shutil.copy(path, folder)

    return save


@pytest.fixture
def desk(db):
    publication = make_publication(name="The Harbour Letter", slug="harbour")
    owner = make_person(name="Olive Owner", email="olive@example.com")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    return publication, owner


def test_the_writer_inserts_the_paywall_and_sees_where_it_falls(axe_page, live_server, desk, shoot):
    publication, owner = desk
    post = make_post(
        publication, "At the harbour", status=PostStatus.DRAFT, author=owner, body=BODY
    )
    sign_in(axe_page, live_server, owner)
    axe_page.goto(live_server.url + reverse("desk:post_edit", args=[publication.slug, post.id]))
    insert = axe_page.get_by_role("button", name="Insert paywall")
    assert not insert.is_visible()  # a free post has no paywall

    axe_page.get_by_label("Who can read the whole post").select_option(Audience.PAID)
    insert.wait_for()
    body = axe_page.get_by_label("Post", exact=True)
    # The cursor after the third paragraph: the paywall goes between it and the fourth.
    cursor = BODY.index("The numbers")
    body.evaluate(f"(area) => {{ area.focus(); area.setSelectionRange({cursor}, {cursor}); }}")
    insert.click()

    preview = axe_page.locator("[data-preview-body]")
    preview.get_by_text(DIVIDER).wait_for()
    axe_page.get_by_text("Placed after the first blocks").wait_for(state="detached")
    value = body.input_value()
    assert value.count(MARKER) == 1
    assert value.index("breakwater.") < value.index(MARKER) < value.index("The numbers")
    text = preview.text_content()  # as written: the divider is shown in capitals
    assert text.index("breakwater.") < text.index(DIVIDER) < text.index("The numbers")
    assert "paywall --" not in text

    # Inserting again moves it: the first paywall line counts, so there is only ever one.
    cursor = body.input_value().index("By six")
    body.evaluate(f"(area) => {{ area.focus(); area.setSelectionRange({cursor}, {cursor}); }}")
    insert.click()
    axe_page.wait_for_function(
        "() => { const t = document.querySelector('[data-preview-body]').textContent;"
        " return t.indexOf('Paid subscribers') < t.indexOf('By six'); }"
    )
    assert body.input_value() == BODY.replace("By six", f"{MARKER}\n\nBy six")
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "editor-paywall")

    axe_page.get_by_role("button", name="Save draft").click()
    axe_page.get_by_text("Saved.").wait_for()
    saved = Post.objects.get(id=post.id)
    assert saved.audience == Audience.PAID
    assert "By six" not in saved.preview_html and "dawn" in saved.preview_html


def test_an_anonymous_reader_sees_only_the_part_above_the_paywall(
    axe_page, live_server, desk, shoot
):
    publication, owner = desk
    body = BODY.replace("What the harbour master", f"{MARKER}\n\nWhat the harbour master")
    post = make_post(
        publication, "At the harbour", subtitle="A morning on the quay", author=owner,
        audience=Audience.PAID, body=body,
    )  # fmt: skip

    axe_page.goto(live_server.url + reverse("posts:detail", args=[post.slug]))

    axe_page.get_by_role("heading", name="This post is for paid subscribers").wait_for()
    text = axe_page.locator("main").inner_text()
    assert "the gulls have it to themselves" in text
    assert "harbour master" not in text and "numbers nobody" not in text
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "paid-post-anonymous")


def test_inserting_the_paywall_leaves_a_marker_in_a_code_block_alone(page, live_server, desk):
    publication, owner = desk
    code = f"```html\n{MARKER}\n```"
    body = f"How to place it:\n\n{code}\n\nFree.\n\nPaid."
    post = make_post(
        publication, "On paywalls", status=PostStatus.DRAFT, author=owner,
        audience=Audience.PAID, body=body,
    )  # fmt: skip
    sign_in(page, live_server, owner)
    page.goto(live_server.url + reverse("desk:post_edit", args=[publication.slug, post.id]))
    area = page.get_by_label("Post", exact=True)
    cursor = body.index("Paid.")
    area.evaluate(f"(area) => {{ area.focus(); area.setSelectionRange({cursor}, {cursor}); }}")

    page.get_by_role("button", name="Insert paywall").click()

    assert area.input_value() == body.replace("Paid.", f"{MARKER}\n\nPaid.")
