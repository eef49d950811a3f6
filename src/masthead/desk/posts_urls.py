"""The desk's post editor: drafts, preview, publishing and scheduling."""

urlpatterns: list = []
