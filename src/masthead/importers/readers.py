"""Which reader understands which platform's export."""

from masthead.importers.archives import ExportFiles
from masthead.importers.models import ImportSource


def reader_for(source: str, files: ExportFiles):
    """A reader of `files` for the platform `source` (substack, ghost, wordpress)."""
    if source == ImportSource.SUBSTACK:
        from masthead.importers.substack import SubstackReader

        return SubstackReader(files)
    if source == ImportSource.GHOST:
        from masthead.importers.ghost import GhostReader

        return GhostReader(files)
    if source == ImportSource.WORDPRESS:
        from masthead.importers.wordpress import WordPressReader

        return WordPressReader(files)
    raise ValueError(f"No reader for {source!r}")
