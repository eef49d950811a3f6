"""The chat's pages: the room, a thread, image uploads and the digest switch."""

app_name = "chat"
urlpatterns: list = []
