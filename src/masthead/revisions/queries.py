"""Reading revisions: the list of a post's revisions, one revision, and the diff of two."""

import difflib
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from masthead.posts.models import Post
from masthead.revisions.models import PostRevision

# Revision numbers are positive database integers; a larger one from a URL is no revision's.
LARGEST_NUMBER = 2**31 - 1
DIFF_CONTEXT_LINES = 3


def revisions_of(post: Post) -> QuerySet[PostRevision]:
    """Newest first, with their authors, without their text (one query for any number)."""
    return (
        PostRevision.objects.filter(post=post)
        .select_related("author")
        .defer("body_markdown")
        .order_by("-number")
    )


def latest_revision(post: Post) -> PostRevision | None:
    return (
        PostRevision.objects.filter(post=post).select_related("author").order_by("-number").first()
    )


def current_version(post: Post) -> int:
    """The version an editor page starts from: the latest revision's, 0 before any."""
    version = (
        PostRevision.objects.filter(post=post).order_by("-number").values_list("version", flat=True)
    ).first()
    return version or 0


def get_revision(post: Post, number: int) -> PostRevision:
    if not 0 < number <= LARGEST_NUMBER:
        raise Http404("No such revision.")
    revision = (
        PostRevision.objects.filter(post=post, number=number).select_related("author").first()
    )
    if revision is None:
        raise Http404("No such revision.")
    return revision


@dataclass(frozen=True)
class DiffLine:
    change: str  # "same", "removed", "added" or "gap" (unchanged lines left out)
    old_number: int | None
    new_number: int | None
    text: str


@dataclass(frozen=True)
class DiffPart:
    name: str
    lines: list[DiffLine]

    @property
    def is_changed(self) -> bool:
        return any(line.change in ("removed", "added") for line in self.lines)


def _diff_lines(old: str, new: str) -> list[DiffLine]:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    lines: list[DiffLine] = []
    for index, group in enumerate(matcher.get_grouped_opcodes(DIFF_CONTEXT_LINES)):
        if index or group[0][1] > 0 or group[0][3] > 0:
            lines.append(DiffLine("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [
                    DiffLine("same", i + 1, j + 1, old_lines[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            lines += [DiffLine("removed", i + 1, None, old_lines[i]) for i in range(i1, i2)]
            lines += [DiffLine("added", None, j + 1, new_lines[j]) for j in range(j1, j2)]
    return lines


def diff_of(a: PostRevision, b: PostRevision) -> list[DiffPart]:
    """What changed from `a` to `b`: a line diff of the title, the subtitle and the post, each
    with a few unchanged lines around each change."""
    return [
        DiffPart("Title", _diff_lines(a.title, b.title)),
        DiffPart("Subtitle", _diff_lines(a.subtitle, b.subtitle)),
        DiffPart("Post", _diff_lines(a.body_markdown, b.body_markdown)),
    ]


def current_number(post: Post) -> int:
    """The latest revision's number, 0 before any."""
    number = (
        PostRevision.objects.filter(post=post).order_by("-number").values_list("number", flat=True)
    ).first()
    return number or 0
