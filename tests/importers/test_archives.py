"""Opening uploaded exports: every bad upload ends in an ExportError a writer can act on."""

import csv
import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from masthead.importers import archives
from masthead.importers.archives import check_upload_size, describe_size, open_export
from masthead.importers.source import ExportError

LOCAL_HEADER = b"PK\x03\x04"
CENTRAL_HEADER = b"PK\x01\x02"


def make_zip(
    folder: Path, entries, name: str = "export.zip", compression: int = zipfile.ZIP_DEFLATED
) -> Path:
    """A zip of entries: {name: bytes} or [(name or ZipInfo, bytes)], written by zipfile."""
    path = folder / name
    items = entries.items() if isinstance(entries, dict) else entries
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicates some tests want
        with zipfile.ZipFile(path, "w", compression=compression) as archive:
            for member, data in items:
                archive.writestr(member, data)
    return path


def patch_single_member(path: Path, *, local_offset: int, central_offset: int, fmt: str, value):
    """Overwrite one header field of a one-member zip, in both its local and central header."""
    data = bytearray(path.read_bytes())
    local = data.index(LOCAL_HEADER)
    central = data.index(CENTRAL_HEADER)
    struct.pack_into(fmt, data, local + local_offset, value)
    struct.pack_into(fmt, data, central + central_offset, value)
    path.write_bytes(bytes(data))


def open_names(paths) -> list[str]:
    with open_export(paths) as export:
        return export.names


def read_everything(paths) -> None:
    with open_export(paths) as export:
        for name in export.names:
            export.read_bytes(name)


# Plain files and well-formed zips


def test_a_plain_file_is_presented_by_its_own_name(tmp_path):
    path = tmp_path / "subscribers.csv"
    path.write_bytes(b"email\na@example.com\n")

    with open_export([path]) as export:
        assert export.names == ["subscribers.csv"]
        assert export.size("subscribers.csv") == 20
        assert export.read_bytes("subscribers.csv") == b"email\na@example.com\n"


def test_zip_members_are_presented_by_their_paths(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": b"id\n1\n", "posts/1.hello.html": b"<p>Hi</p>"})

    with open_export([path]) as export:
        assert export.names == ["posts.csv", "posts/1.hello.html"]
        assert export.has("posts.csv")
        assert not export.has("export.zip")
        with export.open_binary("posts/1.hello.html") as stream:
            assert stream.read() == b"<p>Hi</p>"


def test_a_single_top_folder_is_left_out_of_the_names(tmp_path):
    path = make_zip(
        tmp_path,
        {
            "my-export/": b"",
            "my-export/posts.csv": b"id\n",
            "my-export/posts/1.a.html": b"<p>a</p>",
            "__MACOSX/my-export/._posts.csv": b"\x00\x05\x16\x07",
            "my-export/.DS_Store": b"\x00\x00\x00\x01Bud1",
        },
    )

    assert open_names([path]) == ["posts.csv", "posts/1.a.html"]


def test_two_top_folders_are_kept(tmp_path):
    path = make_zip(tmp_path, {"posts/1.html": b"a", "images/a.png": b"b"})

    assert open_names([path]) == ["images/a.png", "posts/1.html"]


def test_a_nested_zip_is_a_file_not_opened(tmp_path):
    inner = make_zip(tmp_path, {"secret.csv": b"x"}, name="inner.zip")
    path = make_zip(tmp_path, {"inner.zip": inner.read_bytes(), "posts.csv": b"id\n"})

    assert open_names([path]) == ["inner.zip", "posts.csv"]


def test_find_and_names_under(tmp_path):
    path = make_zip(
        tmp_path, {"posts.CSV": b"", "posts/1.html": b"", "posts/2.html": b"", "postscript": b""}
    )

    with open_export([path]) as export:
        assert export.find(suffix=".csv") == ["posts.CSV"]
        assert export.names_under("posts") == ["posts/1.html", "posts/2.html"]
        assert export.names_under("posts/") == ["posts/1.html", "posts/2.html"]


def test_asking_for_a_missing_file_names_it(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": b""})

    with open_export([path]) as export, pytest.raises(ExportError, match="no file named “x.csv”"):
        export.read_bytes("x.csv")


def test_the_same_name_in_two_uploads_is_refused(tmp_path):
    archive = make_zip(tmp_path, {"posts.csv": b"a"})
    plain = tmp_path / "posts.csv"
    plain.write_bytes(b"b")

    with pytest.raises(ExportError, match="two files named “posts.csv”"):
        open_names([archive, plain])


# Damaged zips


def test_a_truncated_zip_is_not_readable(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": b"id,title\n" * 1000})
    path.write_bytes(path.read_bytes()[:-200])

    with pytest.raises(ExportError, match="“export.zip” is not a readable zip archive: export it"):
        open_names([path])


def test_a_file_named_zip_that_is_not_one_is_not_readable(tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(b"<html>Sign in to download</html>")

    with pytest.raises(ExportError, match="not a readable zip archive"):
        open_names([path])


def test_a_zip_without_the_zip_suffix_is_still_recognised(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": b"id\n"}, name="download")

    assert open_names([path]) == ["posts.csv"]


def test_a_member_with_a_bad_checksum_fails_while_read(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": b"id,title\n1,Hello\n"}, compression=zipfile.ZIP_STORED)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Hello", b"Jello"))

    damaged = "not a readable zip archive .*“posts.csv”.* damaged"
    with open_export([path]) as export, pytest.raises(ExportError, match=damaged):
        export.read_bytes("posts.csv")


def test_a_damaged_deflate_stream_fails_while_read(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": bytes(range(256)) * 400})
    data = bytearray(path.read_bytes())
    body = data.index(b"posts.csv") + len(b"posts.csv")
    data[body + 10 : body + 60] = b"\xff" * 50
    path.write_bytes(bytes(data))

    with open_export([path]) as export, pytest.raises(ExportError, match="not a readable zip"):
        export.read_bytes("posts.csv")


def test_a_member_larger_than_it_declares_is_refused(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": b"a" * 5000}, compression=zipfile.ZIP_STORED)
    # Both headers now say 10 bytes while 5,000 follow: the checksum no longer matches.
    patch_single_member(path, local_offset=22, central_offset=24, fmt="<I", value=10)

    with open_export([path]) as export:
        assert export.size("posts.csv") == 10
        with pytest.raises(ExportError, match="“posts.csv”"):
            export.read_bytes("posts.csv")


def test_a_plain_file_that_grew_after_opening_yields_no_more_than_it_declared(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes(b"id\n1\n")

    with open_export([path]) as export:
        path.write_bytes(b"id\n1\n2\n3\n")
        with pytest.raises(ExportError, match="more data than"):
            export.read_bytes("posts.csv")


def test_a_password_protected_member_is_refused(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": b"id\n"})
    patch_single_member(path, local_offset=6, central_offset=8, fmt="<H", value=0x1)

    with pytest.raises(ExportError, match="“posts.csv” in “export.zip” is password-protected"):
        open_names([path])


def test_an_unknown_compression_is_refused(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": b"id\n"})
    patch_single_member(path, local_offset=8, central_offset=10, fmt="<H", value=9)  # deflate64

    with pytest.raises(ExportError, match="compressed in a way Masthead cannot read"):
        open_names([path])


@given(
    cuts=st.lists(
        st.tuples(st.integers(min_value=0, max_value=2000), st.binary(min_size=1, max_size=8)),
        min_size=1,
        max_size=4,
    ),
    truncate_to=st.one_of(st.none(), st.integers(min_value=0, max_value=2000)),
)
@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_mangled_zip_raises_nothing_but_export_error(tmp_path, cuts, truncate_to):
    path = make_zip(
        tmp_path,
        {"export/posts.csv": b"id,title\n1,Hello\n" * 20, "export/p/1.html": bytes(range(256))},
    )
    data = bytearray(path.read_bytes())
    for offset, replacement in cuts:
        position = offset % len(data)
        data[position : position + len(replacement)] = replacement
    if truncate_to is not None:
        data = data[:truncate_to]
    path.write_bytes(bytes(data))

    try:
        with open_export([path]) as export:
            for name in export.names:
                export.read_bytes(name)
                with export.open_text(name) as text:
                    text.read()
    except ExportError as error:
        assert "“" in str(error)


# Names that could escape, hide or confuse


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("../evil.sh", "outside the archive"),
        ("posts/../../evil.sh", "outside the archive"),
        ("posts\\..\\..\\evil.sh", "outside the archive"),
        ("/etc/passwd", "absolute path"),
        ("C:\\Windows\\evil.dll", "absolute path"),
        ("c:/evil", "absolute path"),
        ("bad\x00name.csv", "control characters"),
        ("line\nbreak.csv", "control characters"),
        ("escape\x1b[31m.csv", "control characters"),
    ],
)
def test_a_dangerous_member_name_refuses_the_whole_archive(tmp_path, member, reason):
    # zipfile cleans some names when writing; put the hostile one in the bytes directly.
    path = _zip_with_raw_name(tmp_path, member)

    with pytest.raises(ExportError) as caught:
        open_names([path])

    message = str(caught.value)
    assert reason in message
    assert "nothing in it is imported" in message
    assert "“export.zip”" in message


def _zip_with_raw_name(folder: Path, member: str) -> Path:
    """A zip holding posts.csv and a member whose name is written exactly as given."""
    path = make_zip(folder, {"posts.csv": b"id\n", "PLACEHOLDER": b"boo"})
    data = path.read_bytes()
    encoded = member.encode("utf-8")
    # Both headers store the name's length just before it; rewrite lengths and names together.
    for header, length_at in ((LOCAL_HEADER, 26), (CENTRAL_HEADER, 28)):
        start = data.index(header, data.index(header) + 1)
        name_at = start + (30 if header == LOCAL_HEADER else 46)
        data = (
            data[: start + length_at]
            + struct.pack("<H", len(encoded))
            + data[start + length_at + 2 : name_at]
            + encoded
            + data[name_at + len(b"PLACEHOLDER") :]
        )
    # The central directory moved by the change in the local header's length.
    shift = len(encoded) - len(b"PLACEHOLDER")
    end = data.rindex(b"PK\x05\x06")
    offset = struct.unpack_from("<I", data, end + 16)[0] + shift
    size = struct.unpack_from("<I", data, end + 12)[0] + shift
    data = data[: end + 12] + struct.pack("<II", size, offset) + data[end + 20 :]
    path.write_bytes(data)
    return path


def test_the_raw_name_helper_makes_a_readable_zip(tmp_path):
    path = _zip_with_raw_name(tmp_path, "images/cover.png")

    with open_export([path]) as export:
        assert export.names == ["images/cover.png", "posts.csv"]
        assert export.read_bytes("images/cover.png") == b"boo"


def test_a_symlink_member_refuses_the_whole_archive(tmp_path):
    link = zipfile.ZipInfo("posts.csv")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = make_zip(tmp_path, [(link, b"/etc/passwd"), ("other.csv", b"")])

    with pytest.raises(ExportError, match="“posts.csv”, a symbolic link; for safety nothing"):
        open_names([path])


def test_duplicate_member_names_refuse_the_archive(tmp_path):
    path = make_zip(tmp_path, [("posts.csv", b"id\n1\n"), ("posts.csv", b"id\n2\n")])

    with pytest.raises(ExportError, match="two files named “posts.csv”"):
        open_names([path])


def test_names_that_clean_up_to_the_same_path_are_duplicates(tmp_path):
    path = make_zip(
        tmp_path, [("posts.csv", b""), ("posts/a.html", b"1"), ("posts//./a.html", b"2")]
    )

    with pytest.raises(ExportError, match="two files named “posts/a.html”"):
        open_names([path])


# Zip bombs and size limits


def test_a_highly_compressed_large_member_is_refused_as_a_bomb(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": b"\x00" * (50 * 1024 * 1024)})
    assert path.stat().st_size < 200_000

    with pytest.raises(ExportError, match="“posts.csv” in “export.zip” unpacks to 50 MB.*zip bomb"):
        open_names([path])


def test_a_small_member_may_compress_well(tmp_path):
    path = make_zip(tmp_path, {"posts.csv": b"\x00" * 500_000})

    assert open_names([path]) == ["posts.csv"]


def test_the_total_unpacked_size_is_capped(tmp_path, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 10_000
    path = make_zip(tmp_path, {"a.csv": b"a" * 6000, "b.csv": b"b" * 6000})

    with pytest.raises(
        ExportError, match="unpacks to 11.7 KB; the most an import unpacks is 9.8 KB"
    ):
        open_names([path])


def test_the_member_count_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_MEMBER_COUNT", 5)
    path = make_zip(tmp_path, {f"posts/{number}.html": b"" for number in range(6)})

    with pytest.raises(ExportError, match="more than 5 files"):
        open_names([path])


def test_a_member_too_large_to_read_whole_is_refused_but_may_be_streamed(tmp_path, settings):
    settings.IMPORT_MAX_MEMBER_BYTES = 1024
    path = make_zip(tmp_path, {"posts.csv": b"x" * 3000})

    with open_export([path]) as export:
        with pytest.raises(ExportError, match="“posts.csv” is 2.9 KB; the largest file an import"):
            export.read_bytes("posts.csv")
        with pytest.raises(ExportError, match="largest file an import reads is 1 KB"):
            export.open_text("posts.csv")
        with export.open_binary("posts.csv") as stream:
            assert len(stream.read()) == 3000


def test_an_upload_over_the_cap_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    path = tmp_path / "posts.csv"
    path.write_bytes(b"x" * 101)

    with pytest.raises(ExportError, match="“posts.csv” is 101 bytes; the largest upload"):
        open_names([path])


def test_check_upload_size_uses_the_setting(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 2 * 1024**3

    check_upload_size(2 * 1024**3)
    with pytest.raises(
        ExportError, match="is 2.1 GB; the largest upload an import accepts is 2 GB"
    ):
        check_upload_size(int(2.1 * 1024**3))


def test_sizes_read_as_people_write_them():
    assert describe_size(512 * 1024**2) == "512 MB"
    assert describe_size(int(2.1 * 1024**3)) == "2.1 GB"
    assert describe_size(40 * 1024) == "40 KB"
    assert describe_size(12) == "12 bytes"


# Text


def read_csv(tmp_path, data: bytes) -> list[list[str]]:
    path = make_zip(tmp_path, {"subscribers.csv": data})
    with open_export([path]) as export, export.open_text("subscribers.csv") as text:
        return list(csv.reader(text))


def test_utf8_text_with_a_byte_order_mark_reads_without_it(tmp_path):
    rows = read_csv(tmp_path, "\ufeffemail,name\r\na@example.com,José\r\n".encode())

    assert rows == [["email", "name"], ["a@example.com", "José"]]


def test_text_keeps_newlines_inside_quoted_fields(tmp_path):
    rows = read_csv(tmp_path, b'title,body\r\nHi,"line one\r\nline two"\r\n')

    assert rows == [["title", "body"], ["Hi", "line one\r\nline two"]]


def test_utf16_text_with_a_byte_order_mark_is_read(tmp_path):
    rows = read_csv(tmp_path, "email,name\r\nb@example.com,Zoë\r\n".encode("utf-16"))

    assert rows == [["email", "name"], ["b@example.com", "Zoë"]]


def test_windows_1252_text_is_refused_not_guessed(tmp_path):
    data = b"email,name\r\n" + "a@example.com,José\r\n".encode("cp1252") * 3

    with pytest.raises(ExportError, match="“subscribers.csv” is not UTF-8.*save it as UTF-8"):
        read_csv(tmp_path, data)


def test_utf16_without_a_byte_order_mark_is_refused(tmp_path):
    with pytest.raises(ExportError, match="is not UTF-8"):
        read_csv(tmp_path, "email\r\na@example.com\r\n".encode("utf-16-le"))


def test_utf32_text_is_refused(tmp_path):
    with pytest.raises(ExportError, match="is not UTF-8"):
        read_csv(tmp_path, "email\r\n".encode("utf-32"))


def test_text_past_the_first_buffer_is_checked_too(tmp_path):
    data = b"email\r\n" + b"a@example.com\r\n" * 20_000 + "Jos\xe9\r\n".encode("latin-1")

    with pytest.raises(ExportError, match="is not UTF-8"):
        read_csv(tmp_path, data)


def test_text_of_a_plain_file_streams(tmp_path):
    path = tmp_path / "subscribers.csv"
    path.write_bytes(b"email\na@example.com\n")

    with open_export([path]) as export, export.open_text("subscribers.csv") as text:
        assert text.readline() == "email\n"
        assert list(text) == ["a@example.com\n"]


def test_text_read_whole_is_checked_too(tmp_path):
    path = make_zip(tmp_path, {"posts.json": '{"title": "Café"}'.encode("cp1252")})

    with (
        open_export([path]) as export,
        export.open_text("posts.json") as text,
        pytest.raises(ExportError, match="“posts.json” is not UTF-8"),
    ):
        text.read()


def test_two_entries_sharing_one_body_are_refused(tmp_path):
    path = make_zip(tmp_path, {"a.csv": b"a,b\n" * 1000})
    data = path.read_bytes()
    central = data.index(CENTRAL_HEADER)
    end = data.index(b"PK\x05\x06")
    entry = data[central:end]
    twin = entry.replace(b"a.csv", b"b.csv")  # same local header offset, another name
    count = struct.unpack_from("<H", data, end + 10)[0] + 1
    end_record = bytearray(data[end:])
    struct.pack_into("<HHI", end_record, 8, count, count, len(entry) * 2)
    path.write_bytes(data[:end] + twin + bytes(end_record))

    with pytest.raises(ExportError, match="“export.zip” lists “b.csv” over another file's data"):
        read_everything([path])
