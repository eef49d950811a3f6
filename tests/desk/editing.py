"""Helpers shared by the post editor tests: editor URLs and the form data the editor sends."""

from django.urls import reverse


def editor_data(**fields) -> dict:
    """What the editor form posts, with the fields a test cares about changed."""
    data = {
        "title": "A draft",
        "subtitle": "",
        "slug": "",
        "body_markdown": "Draft *words*.",
        "section": "",
        "audience": "everyone",
        "action": "save",
    }
    data.update(fields)
    return data


def edit_url(post) -> str:
    return reverse("desk:post_edit", args=[post.publication.slug, post.id])


def autosave_url(post) -> str:
    return reverse("desk:post_autosave", args=[post.publication.slug, post.id])


def new_url(publication) -> str:
    return reverse("desk:post_new", args=[publication.slug])
