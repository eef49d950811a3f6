"""Reading posts anonymously: the archive's orderings, paging, one post, the paywall."""

from masthead.posts.models import PostKind, PostStatus
from tests.api.conftest import assert_problem, bearer
from tests.factories import add_comments, add_likes, make_post

PAID_BODY = "Free opening.\n\n<!-- paywall -->\n\nThe secret paid paragraph."


def test_list_gives_published_posts_newest_first_without_pages(client, publication, base):
    older = make_post(publication, "Older")
    newer = make_post(publication, "Newer")  # factories publish later posts... earlier
    make_post(publication, "About", kind=PostKind.PAGE)
    make_post(publication, "Draft", status=PostStatus.DRAFT)
    response = client.get(f"{base}/posts")
    assert response.status_code == 200
    titles = [item["title"] for item in response.json()["items"]]
    expected = sorted([older, newer], key=lambda p: p.published_at, reverse=True)
    assert titles == [post.title for post in expected]


def test_top_and_discussions_orderings(client, publication, base):
    liked = make_post(publication, "Liked")
    discussed = make_post(publication, "Discussed")
    make_post(publication, "Quiet")
    add_likes(liked, 2)
    add_comments(discussed, 1)
    top = client.get(f"{base}/posts", {"sort": "top"}).json()["items"]
    assert top[0]["title"] == "Liked"
    discussions = client.get(f"{base}/posts", {"sort": "discussions"}).json()["items"]
    assert [item["title"] for item in discussions] == ["Discussed"]


def test_cursor_pages_through_every_post_once(client, publication, base):
    for _ in range(5):
        make_post(publication)
    seen, cursor = [], None
    for _ in range(5):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get(f"{base}/posts", params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 == len(set(seen))


def test_top_ordering_pages_with_an_offset_cursor(client, publication, base):
    for _ in range(3):
        make_post(publication)
    first = client.get(f"{base}/posts", {"sort": "top", "limit": 2}).json()
    second = client.get(
        f"{base}/posts", {"sort": "top", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert second["next_cursor"] is None


def test_anonymous_reader_gets_only_the_preview_of_a_paid_post(client, publication, base):
    post = make_post(publication, "Paid", body=PAID_BODY, audience="paid")
    response = client.get(f"{base}/posts/{post.slug}")
    assert response.status_code == 200
    body = response.json()
    assert body["is_preview"] is True
    assert "Free opening" in body["body_html"]
    assert b"secret paid paragraph" not in response.content
    listing = client.get(f"{base}/posts")
    assert b"secret paid paragraph" not in listing.content


def test_staff_key_reads_the_whole_paid_post(client, publication, base, read_key):
    post = make_post(publication, "Paid", body=PAID_BODY, audience="paid")
    body = client.get(f"{base}/posts/{post.slug}", **bearer(read_key)).json()
    assert body["is_preview"] is False
    assert "secret paid paragraph" in body["body_html"]


def test_free_post_is_whole_for_anyone(client, publication, base):
    post = make_post(publication, "Free", body="All of it.")
    body = client.get(f"{base}/posts/{post.slug}").json()
    assert body["is_preview"] is False and "All of it." in body["body_html"]


def test_drafts_and_unknown_slugs_are_404_problems(client, publication, base):
    draft = make_post(publication, "Draft", status=PostStatus.DRAFT)
    assert_problem(client.get(f"{base}/posts/{draft.slug}"), 404)
    assert_problem(client.get(f"{base}/posts/no-such-post"), 404)


def test_unknown_publication_is_a_404_problem(client, db):
    response = client.get("/api/v1/posts")
    assert_problem(response, 404)


def test_comments_of_a_post_hide_the_text_of_hidden_ones(client, publication, base):
    post = make_post(publication)
    add_comments(post, 2)
    comment = post.comments.order_by("id").first()
    comment.is_hidden = True
    comment.save(update_fields=["is_hidden"])
    response = client.get(f"{base}/posts/{post.slug}/comments", {"sort": "new"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 2
    hidden = next(item for item in items if item["id"] == comment.id)
    assert hidden["body_html"] is None and hidden["author"] is None


def test_notes_list(client, publication, base, owner):
    from masthead.notes.models import Note

    Note.objects.create(author=owner, body_markdown="Hi", body_html="<p>Hi</p>")
    response = client.get(f"{base}/notes")
    assert response.status_code == 200
    assert [item["body_html"] for item in response.json()["items"]] == ["<p>Hi</p>"]


def test_list_query_count_is_fixed(client, publication, base, django_assert_max_num_queries):
    for _ in range(15):
        make_post(publication)
    with django_assert_max_num_queries(8):
        response = client.get(f"{base}/posts", {"limit": 100})
    assert len(response.json()["items"]) == 15
