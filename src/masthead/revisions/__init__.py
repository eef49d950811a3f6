"""Revisions of posts: every save keeps one; compare two, restore one, refuse stale saves."""
