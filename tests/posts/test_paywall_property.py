"""Property: whatever shape a paid post's Markdown has, no sentence past the paywall reaches a
reader without access, on any surface (preview, pages, meta tags, the emailed newsletter, note
cards), every sentence before it does reach the preview, and staff read everything.

Each generated block holds sentences with ids of their own ("Sentence s0042 ends."), so which
ones fall before the cut is known from the generated structure, never from the code under test:
the writer's first marker, or else the first PREVIEW_BLOCKS blocks and at most half of them.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.delivery.services.fan_out import create_send
from masthead.notes.services import post_note
from masthead.posts.models import Audience
from masthead.posts.paywall import PREVIEW_BLOCKS, split_at_paywall
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db

MARKERS = ["<!-- paywall -->", "<!--paywall-->", "  <!-- PAYWALL -->\t", "<!--  Paywall -->"]
# Between blocks: an empty line, a line of spaces or tabs, with LF or CRLF line endings.
BLANK_SEPARATORS = ["\n\n", "\n \n", "\n\t\n", "\n   \n\n", "\r\n\r\n", "\r\n  \r\n", "\n\r\n"]
# Blocks that end on their own line can be followed by the next one without an empty line.
CLOSED_KINDS = {"heading", "fence", "rule"}
LIST_KINDS = {"bullets", "numbers"}


@dataclass
class Document:
    """Generated Markdown and, per content block, the ids of its sentences."""

    parts: list[str] = field(default_factory=list)
    blocks: list[list[int]] = field(default_factory=list)
    marker_at: int | None = None  # content blocks above the first marker
    next_id: int = 0
    bullet_lists: int = 0
    number_lists: int = 0

    def sentence(self) -> tuple[int, str]:
        self.next_id += 1
        return self.next_id, sentence(self.next_id)


def sentence(number: int) -> str:
    return f"Sentence s{number:04d} ends."


def appears(number: int, text: str) -> bool:
    return f"s{number:04d} ends" in text


def _sentences(draw, doc: Document, low: int, high: int) -> tuple[list[int], list[str]]:
    pairs = [doc.sentence() for _ in range(draw(st.integers(low, high)))]
    return [number for number, _ in pairs], [text for _, text in pairs]


@st.composite
def block(draw, doc: Document, previous: str | None) -> tuple[str, str, list[int]]:
    """One top-level block: its kind, its Markdown, its sentence ids."""
    kinds = ["paragraph", "long", "heading", "bullets", "numbers", "quote", "fence", "html",
             "table", "rule", "indented"]  # fmt: skip
    kind = draw(st.sampled_from(kinds))
    if kind == "indented" and previous in LIST_KINDS | {"indented"}:
        # Under a list it would belong to the last item; under code, to that code.
        kind = "fence"
    if kind == "paragraph":
        ids, texts = _sentences(draw, doc, 1, 3)
        return kind, draw(st.sampled_from([" ", "\n"])).join(texts), ids
    if kind == "long":
        ids, texts = _sentences(draw, doc, 6, 14)
        joined = "".join(text + draw(st.sampled_from([" ", " ", "\n"])) for text in texts)
        return "paragraph", joined.strip(), ids
    if kind == "heading":
        ids, texts = _sentences(draw, doc, 1, 1)
        return kind, "#" * draw(st.integers(1, 6)) + " " + texts[0], ids
    if kind == "bullets":
        # Lists of one kind next to each other merge; each list gets another bullet.
        bullet = "-*+"[doc.bullet_lists % 3]
        doc.bullet_lists += 1
        ids, texts = _sentences(draw, doc, 1, 4)
        gap = draw(st.sampled_from(["\n", "\n\n", "\n  \n"]))  # loose lists hold empty lines
        return kind, gap.join(f"{bullet} {text}" for text in texts), ids
    if kind == "numbers":
        delimiter = ".)"[doc.number_lists % 2]
        doc.number_lists += 1
        ids, texts = _sentences(draw, doc, 1, 4)
        gap = draw(st.sampled_from(["\n", "\n\n"]))
        items = [f"{n + 1}{delimiter} {text}" for n, text in enumerate(texts)]
        return kind, gap.join(items), ids
    if kind == "quote":
        ids, texts = _sentences(draw, doc, 1, 3)
        gap = draw(st.sampled_from(["\n> ", "\n>\n> "]))
        return kind, "> " + gap.join(texts), ids
    if kind == "fence":
        ids, texts = _sentences(draw, doc, 1, 3)
        fence = draw(st.sampled_from(["```", "~~~", "````"]))
        return kind, f"{fence}\n" + "\n\n".join(texts) + f"\n{fence}", ids
    if kind == "html":
        ids, texts = _sentences(draw, doc, 1, 2)
        return kind, '<div class="x">\n' + "\n".join(texts) + "\n</div>", ids
    if kind == "table":
        ids, texts = _sentences(draw, doc, 4, 4)
        rows = [f"| {texts[0]} | {texts[1]} |", "| --- | :-: |", f"| {texts[2]} | {texts[3]} |"]
        return kind, "\n".join(rows), ids
    if kind == "indented":
        ids, texts = _sentences(draw, doc, 1, 2)
        return kind, "\n".join("    " + text for text in texts), ids
    return "rule", draw(st.sampled_from(["***", "* * *", "___"])), []


@st.composite
def documents(draw) -> Document:
    doc = Document()
    count = draw(st.integers(0, 9))
    markers = sorted(draw(st.lists(st.integers(0, count), max_size=2)))
    previous = None
    for index in range(count + 1):
        for _ in range(markers.count(index)):
            if doc.marker_at is None:
                doc.marker_at = index
            marker = draw(st.sampled_from(MARKERS))
            if previous in LIST_KINDS:
                marker = marker.lstrip()  # indented under a list, it is the last item's text
            _append(draw, doc, previous, marker)
            previous = "paragraph"
        if index == count:
            break
        kind, text, ids = draw(block(doc, previous))
        _append(draw, doc, previous, text)
        doc.blocks.append(ids)
        previous = kind
    return doc


def _append(draw, doc: Document, previous: str | None, text: str) -> None:
    if doc.parts:
        separators = BLANK_SEPARATORS + (["\n", "\r\n"] if previous in CLOSED_KINDS else [])
        doc.parts.append(draw(st.sampled_from(separators)))
    doc.parts.append(text)


def markdown_of(doc: Document, is_crlf: bool) -> str:
    text = "".join(doc.parts)
    return text.replace("\r\n", "\n").replace("\n", "\r\n") if is_crlf else text


def before_and_after(doc: Document) -> tuple[list[int], list[int]]:
    cut = min(PREVIEW_BLOCKS, len(doc.blocks) // 2) if doc.marker_at is None else doc.marker_at
    before = [number for ids in doc.blocks[:cut] for number in ids]
    after = [number for ids in doc.blocks[cut:] for number in ids]
    return before, after


def assert_cut(text: str, before: list[int], after: list[int], where: str) -> None:
    leaked = [number for number in after if appears(number, text)]
    missing = [number for number in before if not appears(number, text)]
    assert not leaked, f"{where} shows sentences past the cut: {leaked}"
    assert not missing, f"{where} lacks sentences before the cut: {missing}"


def assert_no_leak(text: str, after: list[int], where: str) -> None:
    leaked = [number for number in after if appears(number, text)]
    assert not leaked, f"{where} shows sentences past the cut: {leaked}"


META = re.compile(r"<meta\s[^>]*content=\"([^\"]*)\"", re.I)


@given(doc=documents(), is_crlf=st.booleans())
@settings(max_examples=100, deadline=None)
def test_the_preview_holds_exactly_the_sentences_before_the_cut(doc, is_crlf):
    before, after = before_and_after(doc)

    split = split_at_paywall(markdown_of(doc, is_crlf))

    assert_cut(split.preview_html, before, after, "preview_html")
    assert_cut(split.full_html, before + after, [], "full_html")
    assert "paywall" not in split.full_html.lower()
    if doc.marker_at is None and doc.blocks:
        assert split.preview_html != split.full_html  # never the whole post


@given(doc=documents(), is_crlf=st.booleans())
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_surface_shows_a_sentence_past_the_cut(doc, is_crlf, publication, smtp_sink, run_worker):
    before, after = before_and_after(doc)
    # Each example writes its rows in a savepoint rolled back at the end: the next one starts
    # from the same empty publication, its post alone on the home page and the archive.
    with transaction.atomic():
        cache.clear()  # rate limits of notes; ids are reused after a rollback on SQLite
        check_every_surface(doc, is_crlf, publication, smtp_sink, run_worker, before, after)
        transaction.set_rollback(True)


def check_every_surface(doc, is_crlf, publication, smtp_sink, run_worker, before, after):
    staff = make_person(name="Sam Staff")
    Membership.objects.create(publication=publication, person=staff, role=Role.AUTHOR)
    reader = make_person(name="Fay Free")
    Subscription.objects.create(
        publication=publication, person=reader, status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )  # fmt: skip
    post = make_post(
        publication, "A paid post", subtitle="For members", author=staff,
        audience=Audience.PAID, body=markdown_of(doc, is_crlf),
    )  # fmt: skip
    assert_cut(post.preview_html, before, after, "stored preview_html")

    anonymous, signed_in, staff_client = Client(), Client(), Client()
    signed_in.force_login(reader)
    staff_client.force_login(staff)
    post_path = f"/p/{post.slug}/"
    for who, client in [("anonymous", anonymous), ("free reader", signed_in)]:
        page = client.get(post_path)
        assert page.status_code == 200
        assert_cut(page.text, before, after, f"post page, {who}")
        for content in META.findall(page.text):
            assert_no_leak(content, before + after, f"meta tags, {who}")
        for path in ("/", "/archive/"):
            assert_no_leak(client.get(path).text, after, f"{path}, {who}")
    assert_cut(staff_client.get(post_path).text, before + after, [], "post page, staff")

    post_note(reader, "Worth a read.", linked_post=post)
    post_note(reader, restack_of_post=post)
    for path in (f"/people/{reader.pk}/notes/", f"/notes/restack/p/{post.slug}/"):
        page = signed_in.get(path)
        assert page.status_code == 200
        assert_no_leak(page.text, after, path)

    received = len(smtp_sink.to(reader.email))
    create_send(post)
    run_worker()
    emails = smtp_sink.to(reader.email)
    assert len(emails) == received + 1
    assert_cut(emails[-1].html, before, after, "newsletter HTML")
    assert_cut(emails[-1].text, before, after, "newsletter text")
