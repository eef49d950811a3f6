"""Hostile Ghost exports: any JSON shape reads as posts or an ExportError, never a crash."""

import contextlib
import json
import os

from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.core.rendering import render_markdown
from masthead.importers.archives import open_export
from masthead.importers.ghost import GhostReader
from masthead.importers.ghost.lexical import lexical_to_markdown
from masthead.importers.ghost.mobiledoc import mobiledoc_to_markdown
from masthead.importers.ghost.writing import (
    ContentError,
    Conversion,
    Run,
    escape_block,
    render_runs,
)
from masthead.importers.source import ExportError

NODE_TYPES = [
    "paragraph", "heading", "extended-heading", "quote", "aside", "list", "listitem", "text",
    "extended-text", "link", "autolink", "linebreak", "tab", "image", "gallery", "markdown",
    "html", "codeblock", "embed", "bookmark", "video", "audio", "file", "callout", "toggle",
    "button", "product", "header", "signup", "paywall", "email", "email-cta", "horizontalrule",
    "mystery",
]  # fmt: skip
KEYS = [
    "type", "children", "text", "format", "url", "src", "caption", "alt", "href", "tag",
    "listType", "start", "images", "markdown", "html", "code", "language", "metadata",
    "calloutText", "heading", "content", "buttonText", "buttonUrl", "id", "slug", "title",
    "status", "visibility", "lexical", "mobiledoc", "published_at", "feature_image", "page",
]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(NODE_TYPES),
    st.sampled_from(["__GHOST_URL__/x", "https://e.example.com/a.png", "h2", "number", "//cdn/x"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=6),
    ),
    max_leaves=40,
)
nodes = st.fixed_dictionaries(
    {"type": st.sampled_from(NODE_TYPES)},
    optional={"children": st.lists(values, max_size=4), "text": scalars, "format": scalars},
).flatmap(
    lambda node: st.dictionaries(st.sampled_from(KEYS), values, max_size=4).map(
        lambda extra: extra | node
    )
)
HYPOTHESIS = settings(
    max_examples=int(os.environ.get("GHOST_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@HYPOTHESIS
@given(st.lists(st.one_of(nodes, values), max_size=6))
def test_any_lexical_tree_converts_or_raises_content_error(children):
    source = json.dumps({"root": {"children": children}})
    try:
        markdown = lexical_to_markdown(source, Conversion())
    except ContentError:
        return
    assert isinstance(markdown, str)
    render_markdown(markdown)


@HYPOTHESIS
@given(values, values, values, values)
def test_any_mobiledoc_converts_or_raises_content_error(sections, markups, cards, atoms):
    source = json.dumps({"sections": sections, "markups": markups, "cards": cards, "atoms": atoms})
    try:
        markdown = mobiledoc_to_markdown(source, Conversion())
    except ContentError:
        return
    assert isinstance(markdown, str)


@HYPOTHESIS
@given(st.lists(st.dictionaries(st.sampled_from(KEYS), values, max_size=8), max_size=4), values)
def test_any_posts_table_reads_or_raises_export_error(tmp_path, posts, tags):
    path = tmp_path / "export.json"
    document = {
        "db": [
            {
                "meta": {"version": "5.0.0"},
                "data": {
                    "posts": posts,
                    "tags": tags,
                    "posts_tags": tags,
                    "users": tags,
                    "posts_authors": tags,
                    "settings": tags,
                },
            }
        ]
    }
    path.write_text(json.dumps(document))
    with open_export([path]) as files:
        reader = GhostReader(files)
        try:
            reader.check()
        except ExportError:
            return
        for post in reader.posts():
            assert post.slug and len(post.slug) <= 120
            assert all(url.startswith(("http://", "https://")) for url in post.image_urls)


@HYPOTHESIS
@given(st.text(max_size=200))
def test_any_text_escaped_renders_as_one_paragraph_with_the_same_words(text):
    markdown = escape_block(text)
    html = render_markdown(markdown)
    words = " ".join(text.split())
    if not words:
        return
    assert html.startswith("<p>") and html.count("<p>") == 1
    for tag in (
        "<strong>",
        "<em>",
        "<a ",
        "<img",
        "<code>",
        "<del>",
        "<h",
        "<ul>",
        "<ol>",
        "<blockquote>",
    ):
        assert tag not in html


@HYPOTHESIS
@given(st.binary(max_size=300))
def test_any_bytes_as_json_or_csv_read_or_raise_export_error(tmp_path, data):
    for name in ("export.json", "members.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        with contextlib.suppress(ExportError), open_export([path]) as files:
            GhostReader(files).check()


characters = st.sampled_from(list("ab *_`~[]<>#!|$&;\\1.x\t-=+"))
formats = st.sets(st.sampled_from(["bold", "italic", "strike", "code"])).map(frozenset)
plain_runs = st.builds(Run, st.text(characters, max_size=6), formats)
linked_runs = st.builds(
    Run,
    st.text(st.sampled_from(list("ab*_~1")), min_size=1, max_size=4),
    formats,
    st.sampled_from(["https://e.example.com/x", "https://e.example.com/y"]),
)
line_breaks = st.just(Run(is_break=True))


@HYPOTHESIS
@given(st.lists(st.one_of(plain_runs, plain_runs, linked_runs, line_breaks), max_size=6))
def test_any_formatted_runs_render_their_words_and_nothing_else(runs):
    html = render_markdown(render_runs(runs))
    shown = " ".join(BeautifulSoup(html, "html.parser").get_text().split())
    written = " ".join("".join(" " if run.is_break else run.text for run in runs).split())
    assert shown == written
    assert html.count("<p>") <= 1 and "<img" not in html
