"""Reading an uploaded export safely: a zip archive or plain files, never trusted.

Readers never open paths or zip members themselves; they ask an ExportFiles for a member by its
name, and get bytes or text only within the limits set here. Anything wrong with the upload
(a damaged zip, a member escaping its folder, a zip bomb, text that is not UTF-8) becomes an
ExportError whose message names the file and says what to do.

Settings (read with defaults, so none is required):
  IMPORT_MAX_UPLOAD_BYTES    largest uploaded file (2 GiB)
  IMPORT_MAX_UNPACKED_BYTES  largest total of the members of an export, unpacked (4 GiB)
  IMPORT_MAX_MEMBER_BYTES    largest file read whole into memory: read_bytes, open_text (512 MiB)
"""

import io
import lzma
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from django.conf import settings

from masthead.importers.source import ExportError

DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024**3
DEFAULT_MAX_UNPACKED_BYTES = 4 * 1024**3
DEFAULT_MAX_MEMBER_BYTES = 512 * 1024**2

MAX_MEMBER_COUNT = 200_000
# The zip module loads the whole central directory (one entry per member) into memory before
# we can count members; a huge one is refused first. 200,000 entries with long names fit.
MAX_CENTRAL_DIRECTORY_BYTES = 64 * 1024**2
# Real exports (HTML, CSV, JSON, images) compress 2:1 to 20:1; a large member packed far
# tighter than that is a zip bomb.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 1024**2

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
READABLE_COMPRESSIONS = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}
# What the zip module raises on damaged data varies with the damage; all of it means the same.
ZIP_FAILURES = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    NotImplementedError,
    RuntimeError,
    OverflowError,
    IndexError,
)
# Files that macOS and Windows add to zips they make; never part of an export.
SYSTEM_JUNK_FOLDERS = {"__MACOSX"}
SYSTEM_JUNK_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
BUFFER_BYTES = 64 * 1024


def describe_size(count: int) -> str:
    """A size for people: "2.1 GB", "512 MB", "40 KB"."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"


def max_upload_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def max_unpacked_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)


def max_member_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_MEMBER_BYTES", DEFAULT_MAX_MEMBER_BYTES)


def check_upload_size(size: int, name: str = "The upload") -> None:
    """Refuse an upload larger than IMPORT_MAX_UPLOAD_BYTES, before anything reads it."""
    limit = max_upload_bytes()
    if size > limit:
        raise ExportError(
            f"{_quoted(name)} is {describe_size(size)}; the largest upload an import accepts is"
            f" {describe_size(limit)}. Split the export or leave out media and try again."
        )


@dataclass(frozen=True)
class _Member:
    name: str  # the name readers use
    size: int  # declared (zip) or measured (plain file)
    archive: zipfile.ZipFile | None = None  # None: a plain file
    info: zipfile.ZipInfo | None = None
    path: str = ""  # a plain file's path


class ExportFiles:
    """The files of one export, by name ("posts.csv", "posts/12.hello.html")."""

    def __init__(self, members: dict[str, _Member]):
        self._members = members

    @property
    def names(self) -> list[str]:
        return sorted(self._members)

    def has(self, name: str) -> bool:
        return name in self._members

    def size(self, name: str) -> int:
        return self._member(name).size

    def find(self, *, suffix: str) -> list[str]:
        """The names ending with suffix (".csv", "posts.json"), ignoring case, sorted."""
        ending = suffix.lower()
        return [name for name in self.names if name.lower().endswith(ending)]

    def names_under(self, folder: str) -> list[str]:
        """The names inside folder ("posts" or "posts/") and its subfolders, sorted."""
        prefix = folder.strip("/") + "/"
        return [name for name in self.names if name.startswith(prefix)]

    def open_binary(self, name: str) -> BinaryIO:
        """A stream of the file's bytes that refuses to yield more than the file declared."""
        member = self._member(name)
        return self._open_capped(member, limit=member.size)

    def read_bytes(self, name: str) -> bytes:
        member = self._member(name)
        self._check_fits_in_memory(member)
        with self._open_capped(member, limit=member.size) as stream:
            return stream.read()

    def open_text(self, name: str) -> TextIO:
        """The file as text, decoded while read, with newlines untouched (ready for csv).

        UTF-8 with or without a byte-order mark, or UTF-16 with one. Anything else (Windows-1252
        most often) is refused rather than guessed, because a wrong guess garbles every accent.
        """
        member = self._member(name)
        self._check_fits_in_memory(member)
        buffered = self._open_capped(member, limit=member.size)
        try:
            head = buffered.peek(4)[:4]
            if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
                raise ExportError(_not_utf8(name))
        except ExportError:
            buffered.close()
            raise
        encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
        wrapper = io.TextIOWrapper(buffered, encoding=encoding, errors="strict", newline="")
        return _CheckedText(wrapper, name)

    def _member(self, name: str) -> _Member:
        try:
            return self._members[name]
        except KeyError:
            raise ExportError(f"The export has no file named {_quoted(name)}.") from None

    def _check_fits_in_memory(self, member: _Member) -> None:
        limit = max_member_bytes()
        if member.size > limit:
            raise ExportError(
                f"{_quoted(member.name)} is {describe_size(member.size)}; the largest file an"
                f" import reads is {describe_size(limit)}. Export it in smaller parts."
            )

    def _open_capped(self, member: _Member, *, limit: int) -> io.BufferedReader:
        try:
            if member.archive is None:
                inner: BinaryIO = open(member.path, "rb")  # noqa: SIM115 - _CappedReader closes it
            else:
                inner = member.archive.open(member.info)  # type: ignore[arg-type]
        except ZIP_FAILURES:
            raise ExportError(_damaged(member)) from None
        return io.BufferedReader(_CappedReader(inner, member, limit), BUFFER_BYTES)


class _CappedReader(io.RawIOBase):
    """Reads a member, turning damage into ExportError and refusing bytes past the limit.

    The zip module already stops at the declared size; this guard keeps the promise for plain
    files too, and for any zip implementation detail that changes.
    """

    def __init__(self, inner: BinaryIO, member: _Member, limit: int):
        self._inner = inner
        self._member = member
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # Ask for one byte more than allowed once the limit is reached, to notice extra data.
        wanted = min(len(buffer), self._left) or 1
        try:
            data = self._inner.read(wanted)
        except ZIP_FAILURES:
            raise ExportError(_damaged(self._member)) from None
        if len(data) > self._left:
            raise ExportError(
                f"{_quoted(self._member.name)} holds more data than the archive says (a damaged or"
                " hostile zip): export it again and upload the new file."
            )
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


class _CheckedText(io.TextIOBase):
    """Text read from a member, where undecodable bytes become an ExportError naming the file."""

    def __init__(self, wrapper: io.TextIOWrapper, name: str):
        self._wrapper = wrapper
        self._name = name

    def readable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:
        return self._wrapper.encoding

    def read(self, size: int | None = -1) -> str:
        return self._checked(self._wrapper.read, size)

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self._checked(self._wrapper.readline, size)

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        # A generator over the wrapper's own lines: a third faster than readline per line.
        try:
            for line in self._wrapper:
                if "\x00" in line:
                    raise ExportError(_not_utf8(self._name))
                yield line
        except UnicodeDecodeError:
            raise ExportError(_not_utf8(self._name)) from None

    def _checked(self, read: Callable[[int | None], str], size: int | None) -> str:
        try:
            text = read(-1 if size is None else size)
        except UnicodeDecodeError:
            raise ExportError(_not_utf8(self._name)) from None
        if "\x00" in text:
            # Valid UTF-8, but text never holds NUL: UTF-16 without a byte-order mark, or binary.
            raise ExportError(_not_utf8(self._name))
        return text

    def close(self) -> None:
        if not self.closed:
            self._wrapper.close()
        super().close()


@contextmanager
def open_export(paths: Sequence[Path]) -> Iterator[ExportFiles]:
    """Open the uploaded files: each zip is read as its members, any other file as itself."""
    members: dict[str, _Member] = {}
    archives: list[zipfile.ZipFile] = []
    try:
        for path in map(Path, paths):
            try:
                upload_size = path.stat().st_size
            except OSError:
                raise ExportError(f"The uploaded file {_quoted(path.name)} is missing.") from None
            check_upload_size(upload_size, path.name)
            if _looks_like_zip(path):
                archive = _open_zip(path)
                archives.append(archive)
                found = _zip_members(archive, path.name)
            else:
                found = [_Member(name=path.name, size=upload_size, path=str(path))]
            for member in found:
                if member.name in members:
                    raise ExportError(
                        f"The export holds two files named {_quoted(member.name)}: export it"
                        " again, or upload only one of them."
                    )
                members[member.name] = member
        _check_unpacked_total(members.values())
        yield ExportFiles(members)
    finally:
        for archive in archives:
            archive.close()


def _looks_like_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    try:
        with open(path, "rb") as file:
            return file.read(4) in ZIP_SIGNATURES
    except OSError:
        return False


def _open_zip(path: Path) -> zipfile.ZipFile:
    _check_central_directory(path)
    try:
        return zipfile.ZipFile(path)
    except ZIP_FAILURES:
        raise ExportError(_unreadable(path.name)) from None


def _check_central_directory(path: Path) -> None:
    """Refuse a zip listing too many members before the zip module loads them all."""
    # The zip module's own reader of the end record; private, so do without it if it goes.
    end_record = getattr(zipfile, "_EndRecData", None)
    if end_record is None:
        return
    try:
        with open(path, "rb") as file:
            record = end_record(file)
    except ZIP_FAILURES:
        raise ExportError(_unreadable(path.name)) from None
    if not record:
        raise ExportError(_unreadable(path.name))
    entry_count, directory_bytes = record[4], record[5]  # _ECD_ENTRIES_TOTAL, _ECD_SIZE
    if entry_count > MAX_MEMBER_COUNT or directory_bytes > MAX_CENTRAL_DIRECTORY_BYTES:
        raise _too_many_members(path.name)


def _zip_members(archive: zipfile.ZipFile, upload_name: str) -> list[_Member]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBER_COUNT:
        raise _too_many_members(upload_name)
    files: list[tuple[list[str], zipfile.ZipInfo]] = []
    seen_offsets: set[int] = set()
    for info in infos:
        parts = _checked_parts(info, upload_name)
        if info.is_dir() or not parts or _is_system_junk(parts):
            continue
        _check_readable(info, upload_name)
        _check_ratio(info, upload_name)
        if info.header_offset in seen_offsets:
            # Two entries sharing one body: the classic way to unpack far more than was sent.
            raise ExportError(
                f"{_quoted(upload_name)} lists {_quoted(info.filename)} over another file's"
                " data (a damaged or hostile zip): export it again and upload the new file."
            )
        seen_offsets.add(info.header_offset)
        files.append((parts, info))

    # "my-export/posts.csv" is presented as "posts.csv" when everything sits in one folder.
    top_folders = {parts[0] for parts, _info in files}
    strip = 1 if len(top_folders) == 1 and all(len(parts) > 1 for parts, _ in files) else 0
    members: dict[str, _Member] = {}
    for parts, info in files:
        name = "/".join(parts[strip:])
        if name in members:
            raise ExportError(
                f"{_quoted(upload_name)} holds two files named {_quoted(name)}: export it again"
                " and upload the new file."
            )
        members[name] = _Member(name=name, size=info.file_size, archive=archive, info=info)
    return list(members.values())


def _checked_parts(info: zipfile.ZipInfo, upload_name: str) -> list[str]:
    """The member's path as parts, or an ExportError if it could escape or hide anything."""
    # zipfile cuts a name at its first NUL; judge the name as the archive holds it.
    raw = info.orig_filename.replace("\\", "/")

    def refuse(why: str) -> ExportError:
        return ExportError(
            f"{_quoted(upload_name)} contains {_quoted(info.orig_filename)}, {why}; for"
            " safety nothing in it is imported. Export it again from the platform directly."
        )

    if CONTROL_CHARACTERS.search(raw):
        raise refuse("a name with control characters")
    if raw.startswith("/") or WINDOWS_DRIVE.match(raw):
        raise refuse("an absolute path")
    parts = [part for part in raw.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise refuse("a path that leads outside the archive")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise refuse("a symbolic link")
    return parts


def _is_system_junk(parts: list[str]) -> bool:
    return parts[0] in SYSTEM_JUNK_FOLDERS or parts[-1] in SYSTEM_JUNK_FILES


def _check_readable(info: zipfile.ZipInfo, upload_name: str) -> None:
    if info.flag_bits & 0x1:
        raise ExportError(
            f"{_quoted(info.filename)} in {_quoted(upload_name)} is password-protected: export"
            " the archive again without a password."
        )
    if info.compress_type not in READABLE_COMPRESSIONS:
        raise ExportError(
            f"{_quoted(info.filename)} in {_quoted(upload_name)} is compressed in a way Masthead"
            " cannot read: make the zip again with your system's standard compression."
        )


def _check_ratio(info: zipfile.ZipInfo, upload_name: str) -> None:
    if info.file_size <= RATIO_CHECKED_ABOVE_BYTES:
        return
    if info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        raise ExportError(
            f"{_quoted(info.filename)} in {_quoted(upload_name)} unpacks to"
            f" {describe_size(info.file_size)} from {describe_size(info.compress_size)}, more"
            f" than {MAX_COMPRESSION_RATIO} times its packed size (a zip bomb?); it is not"
            " imported. Export it again from the platform directly."
        )


def _check_unpacked_total(members) -> None:
    total = sum(member.size for member in members if member.archive is not None)
    limit = max_unpacked_bytes()
    if total > limit:
        raise ExportError(
            f"The export unpacks to {describe_size(total)}; the most an import unpacks is"
            f" {describe_size(limit)}. Export it in smaller parts or leave out media."
        )


def _too_many_members(upload_name: str) -> ExportError:
    return ExportError(
        f"{_quoted(upload_name)} lists more than {MAX_MEMBER_COUNT:,} files; the most an import"
        " opens is that many. Export it in smaller parts."
    )


def _unreadable(name: str) -> str:
    return (
        f"{_quoted(name)} is not a readable zip archive: export it again and upload the new"
        " file (a download that stopped early is the usual cause)."
    )


def _damaged(member: _Member) -> str:
    if member.archive is None:
        return f"{_quoted(member.name)} could not be read: upload it again."
    upload_name = Path(member.archive.filename or "the upload").name
    return (
        f"{_quoted(upload_name)} is not a readable zip archive ({_quoted(member.name)} in it is"
        " damaged): export it again and upload the new file."
    )


def _not_utf8(name: str) -> str:
    return (
        f"{_quoted(name)} is not UTF-8 text (perhaps Windows-1252 or UTF-16 without a byte-order"
        " mark): open it in a spreadsheet or text editor, save it as UTF-8 and try again."
    )


def _printable(name: str) -> str:
    return CONTROL_CHARACTERS.sub("?", name)[:200]


def _quoted(name: str) -> str:
    return f"“{_printable(name)}”"
