"""Template context every page needs: the publication and its navigation."""

from django.urls import reverse


def publication(request):
    current = getattr(request, "publication", None)
    if current is None:
        return {"publication": None, "nav_items": []}
    nav_items = [
        ("Home", reverse("posts:home")),
        ("Archive", reverse("posts:archive")),
        ("About", reverse("publications:about")),
    ]
    return {"publication": current, "nav_items": nav_items}
