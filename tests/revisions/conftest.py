"""Fixtures of the revision tests: the desk editor's staff, media folder and signed-in client
(tests/desk/conftest.py), and a draft of its own whose body ends in a newline."""

import pytest

from masthead.posts.models import PostStatus
from tests.desk.conftest import author, author_client, make_staff, media_root, owner  # noqa: F401
from tests.factories import make_post


@pytest.fixture
def draft(publication, author):  # noqa: F811
    return make_post(
        publication, "A draft", status=PostStatus.DRAFT, author=author, body="First line.\n"
    )
