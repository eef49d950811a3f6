"""The demo notes load on top of the demo publication, and loading twice duplicates nothing."""

import pytest

from masthead.demo.notes import load_demo_notes
from masthead.demo.services import load_demo_publication
from masthead.notes.models import Note, NoteLike

pytestmark = pytest.mark.django_db


def test_demo_notes_load_once_with_a_restack_of_a_demo_post(client):
    publication = load_demo_publication()

    load_demo_notes(publication)
    counts = (Note.objects.count(), NoteLike.objects.count())
    load_demo_notes(publication)

    assert (Note.objects.count(), NoteLike.objects.count()) == counts
    assert counts[0] >= 6 and counts[1] == 3
    restack = Note.objects.get(restack_of_post__isnull=False)
    assert restack.restack_of_post.publication == publication
    assert restack.author.email.endswith("@demo.example.com")
    assert Note.objects.filter(author__email="animesh@demo.example.com").count() >= 3
    assert Note.objects.filter(publication=publication).exists()
    question = Note.objects.get(replies__isnull=False)
    assert question.reply_count == 1 and question.like_count == 3
    page = client.get("/notes/")
    assert page.status_code == 200 and "consistent hashing" in page.text
