"""A reader opens the demo archive in Chromium and switches between Latest, Top and Discussions."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from masthead.demo import content
from masthead.demo.services import load_demo_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def titles_on(page) -> list[str]:
    return page.locator(".post-item__title").all_inner_texts()


def load_demo_off_the_event_loop() -> None:
    """Playwright's loop runs in the test's thread, and the demo's chat messages are broadcast
    after commit with async_to_sync, which refuses to run beside a loop."""

    def load():
        try:
            load_demo_publication()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(load).result()


def test_reader_switches_archive_tabs_and_sees_each_order(page, live_server):
    load_demo_off_the_event_loop()
    by_date = [row[0] for row in content.POSTS]  # newest first, as on the seed page
    likes = {row[0]: row[3] for row in content.POSTS}
    comments = {row[0]: row[4] for row in content.POSTS}

    page.goto(f"{live_server.url}/archive/")
    assert titles_on(page) == by_date
    assert page.locator(".month__heading").first.inner_text() == "September 2025"

    page.get_by_role("link", name="Top", exact=True).click()
    page.wait_for_url("**sort=top")
    top = titles_on(page)
    assert [likes[title] for title in top] == sorted(likes.values(), reverse=True)
    # Ties keep the newer post first.
    for earlier, later in zip(top, top[1:], strict=False):
        if likes[earlier] == likes[later]:
            assert by_date.index(earlier) < by_date.index(later)

    page.get_by_role("link", name="Discussions").click()
    page.wait_for_url("**sort=discussions")
    discussed = titles_on(page)
    assert set(discussed) == {title for title, count in comments.items() if count}
    assert [comments[title] for title in discussed] == sorted(
        (count for count in comments.values() if count), reverse=True
    )
    assert page.get_by_role("link", name="Discussions").get_attribute("aria-current") == "page"
