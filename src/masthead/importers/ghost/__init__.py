"""Importing from Ghost: its content export (JSON, Lexical or Mobiledoc) and members CSV."""

from masthead.importers.ghost.reader import GhostReader

__all__ = ["GhostReader"]
