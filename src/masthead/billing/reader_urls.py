"""The reader's paid pages: plans, checkout, and their paid subscription on the account page."""

urlpatterns: list = []
