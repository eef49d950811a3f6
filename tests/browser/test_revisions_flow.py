"""In the browser: two tabs on one draft, the second's autosave is refused and says why, then
"Keep mine" saves over the first; and the revision pages pass axe at both widths."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from masthead.posts.models import PostStatus
from masthead.publications.models import Membership, Role
from tests.browser import test_axe_every_page as axe
from tests.browser.test_accessibility import sign_in
from tests.factories import make_person, make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_second_tab_is_told_of_the_conflict_and_may_keep_its_text(browser, live_server):
    publication = make_publication(name="Two Tabs", slug="two-tabs")
    writer = make_person(name="Wren Writer")
    Membership.objects.create(publication=publication, person=writer, role=Role.OWNER)
    draft = make_post(publication, "Shared draft", status=PostStatus.DRAFT, author=writer)
    url = live_server.url + reverse("desk:post_edit", args=[publication.slug, draft.id])
    context = browser.new_context()
    tab_a, tab_b = context.new_page(), context.new_page()
    sign_in(tab_a, live_server, writer)
    tab_a.goto(url)
    tab_b.goto(url)

    tab_a.locator("textarea[name=body_markdown]").fill("Tab A wrote this.")
    expect(tab_a.locator("[data-save-status]")).to_contain_text("Saved", timeout=10_000)
    tab_b.locator("textarea[name=body_markdown]").fill("Tab B wrote that.")

    status_b = tab_b.locator("[data-save-status]")
    expect(status_b).to_contain_text("Nothing was overwritten", timeout=10_000)
    expect(status_b).to_contain_text("Wren Writer")
    draft.refresh_from_db()
    assert draft.body_markdown == "Tab A wrote this."

    tab_b.once("dialog", lambda dialog: dialog.accept())
    tab_b.get_by_role("button", name="Keep mine").click()
    expect(status_b).to_contain_text("Saved", timeout=10_000)
    draft.refresh_from_db()
    assert draft.body_markdown == "Tab B wrote that."
    assert [r.body_markdown for r in draft.revisions.order_by("number")] == [
        "Tab A wrote this.",
        "Tab B wrote that.",
    ]
    context.close()


# The world of the every-page test, with the draft's two revisions.
world = axe.world
REVISION_PAGES = [spec for spec in axe.PAGES if spec.name.startswith("post-revisions")]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_revision_pages_have_no_axe_violation(
    browser,
    live_server,
    world,
    tmp_path,
    subtests,
    size,
):
    assert len(REVISION_PAGES) == 2
    axe.check_pages(
        browser, live_server, world, tmp_path, subtests, axe.WRITER, size, REVISION_PAGES
    )
