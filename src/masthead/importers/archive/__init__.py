"""The Masthead archive: one zip with everything of a publication, and its restore."""
