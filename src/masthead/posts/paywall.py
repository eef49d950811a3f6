"""Where a paid post's free preview ends: a cut between whole top-level blocks of the parsed post.

The rule, for everyone who may not read the whole post (posts.queries.can_read_full_post):

1. The writer's paywall line decides. It is a top-level paragraph holding nothing but
   PAYWALL_MARKER, `<!-- paywall -->` (any case, any spaces; Ghost's `<!--members-only-->` too),
   which the editor's "Insert paywall" button writes. The preview is every block above the first
   such line; later ones change nothing. A marker never shows, in the preview or the full post.
   A marker at the very end makes the whole post free; one at the start leaves no body text.
2. Without one, the preview is the first PREVIEW_BLOCKS top-level blocks (paragraphs, headings,
   lists, quotes, code blocks, tables, rules), and never more than half of the post's blocks,
   rounded down, so it is never the whole post: a post of two blocks shows one, and a post of
   one long paragraph (or one list, table, quote or code block) shows no body text at all, only
   its title and subtitle with the paid-subscribers notice.
3. The cut is made in markdown-it's parse of the whole post (tokens at level 0), never by
   splitting the text, so the shape of the Markdown (CRLF line endings, lines of spaces between
   paragraphs, a heading with text right under it, a list with no blank line before it) cannot
   move it: no sentence past the cut is in the preview.

Link reference definitions (`[name]: https://…`) belong to the whole post, wherever they stand:
a link above the cut keeps the address its definition below the cut gives it.
"""

import re
from typing import NamedTuple

from markdown_it.token import Token

from masthead.core.rendering import parse_markdown, render_markdown_tokens

PAYWALL_MARKER = "<!-- paywall -->"
PREVIEW_BLOCKS = 2

_MARKER = re.compile(r"<!--\s*(?:paywall|members-only)\s*-->", re.IGNORECASE)


class PaywallSplit(NamedTuple):
    preview_html: str  # what anyone may read of a paid post
    full_html: str  # the whole post without its markers: preview_html + rest_html
    rest_html: str  # what only readers with access get
    is_marked: bool  # the writer placed the cut; otherwise the block count placed it


def top_level_blocks(tokens: list[Token]) -> list[list[Token]]:
    """The tokens grouped into whole top-level blocks: a single level-0 token (a code block, a
    rule) or a level-0 opening token through its closing one, with everything nested inside."""
    blocks: list[list[Token]] = []
    start = 0
    for index, token in enumerate(tokens):
        if token.level != 0 or token.nesting == 1:
            continue
        # A level-0 token that opens nothing ends the block that began after the previous one.
        blocks.append(tokens[start : index + 1])
        start = index + 1
    return blocks


def is_marker(block: list[Token]) -> bool:
    """Whether a top-level block is a paragraph holding nothing but the paywall marker."""
    return (
        len(block) == 3
        and block[0].type == "paragraph_open"
        and _MARKER.fullmatch(block[1].content.strip()) is not None
    )


def is_footnotes(block: list[Token]) -> bool:
    return block[0].type == "footnote_block_open"


def preview_block_count(block_count: int) -> int:
    """How many blocks a post without a marker shows: never more than half of them."""
    return min(PREVIEW_BLOCKS, block_count // 2)


def split_at_paywall(markdown: str) -> PaywallSplit:
    """The post rendered whole and cut at its paywall, as the module docstring says."""
    blocks = top_level_blocks(parse_markdown(markdown))
    # The footnotes' section is the post's last block wherever its definitions stand: it counts
    # as no block of the preview and always goes with the rest, so it never lengthens a preview.
    footnotes = [block for block in blocks if is_footnotes(block)]
    blocks = [block for block in blocks if not is_footnotes(block)]
    content = [block for block in blocks if not is_marker(block)]
    first_marker = next((index for index, block in enumerate(blocks) if is_marker(block)), None)
    # Blocks above the first marker are never markers, so its index counts content blocks.
    cut = preview_block_count(len(content)) if first_marker is None else first_marker
    preview_html = render_markdown_tokens([token for block in content[:cut] for token in block])
    rest = content[cut:] + footnotes
    rest_html = render_markdown_tokens([token for block in rest for token in block])
    return PaywallSplit(
        preview_html=preview_html,
        full_html=preview_html + rest_html,
        rest_html=rest_html,
        is_marked=first_marker is not None,
    )
