"""Importing a WordPress export (WXR): the reader, its XML streaming and its content rules."""

from masthead.importers.wordpress.reader import WordPressReader

__all__ = ["WordPressReader"]
