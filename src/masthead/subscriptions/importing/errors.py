"""The two errors of the subscriber import, each with a message meant for the person importing."""


class ImportFileError(Exception):
    """The file cannot be imported; the message says why and what to do, for the person."""


class ImportStateError(Exception):
    """The import is not in a state that allows this (already confirmed, still running...)."""
