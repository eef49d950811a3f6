"""What the fuzzer sends: edge values, spoilt form bodies, raw bodies, JSON and query strings."""

import json
import struct
from collections.abc import Iterator
from io import BytesIO
from urllib.parse import urlencode

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st
from PIL import Image

from tests.fuzzing.forms import Field

# Strings that have broken parsers before: NULs, controls, direction marks, huge numbers, dates
# that do not exist, paths, markup, other hosts.
EDGE_STRINGS = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x0c\x1b",
    "\u202e\u200b\ufeff",
    "𝕏" * 50,
    "x" * 20_000,
    "x" * 300,
    "-1",
    "0",
    "9" * 40,
    "9223372036854775808",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "2024-02-30",
    "2024-13-01T25:61",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01T00:00",
    "9999-12-31T23:59",
    "1970-01-01T00:00:00+99:00",
    "../../etc/passwd",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    "{{ 7|add:7 }}",
    "' OR 1=1 --",
    "%00%ff",
    "true",
    "[]",
    "{}",
)

TEXT = st.one_of(st.sampled_from(EDGE_STRINGS), st.text(max_size=30))
# Text a browser could not send, but a script can: surrogates, sent only where encodable (raw).
RAW_TEXT = st.one_of(TEXT, st.text(st.characters(categories=["Cs", "Cc"]), max_size=8))


def _damaged_photo() -> bytes:
    """A real JPEG whose EXIF block says "rotate me" and holds text in a number tag."""
    entries = [(0x0112, 3, 1, struct.pack("<HH", 6, 0)), (0x013D, 2, 4, b"xyz\x00")]
    tiff = b"II*\x00" + struct.pack("<IH", 8, len(entries))
    tiff += b"".join(struct.pack("<HHI", *entry[:3]) + entry[3] for entry in entries)
    buffer = BytesIO()
    Image.new("RGB", (8, 4)).save(buffer, "JPEG", exif=b"Exif\x00\x00" + tiff + b"\x00" * 4)
    return buffer.getvalue()


DAMAGED_PHOTO = _damaged_photo()
NOT_AN_IMAGE = (
    b"",
    b"GIF89a not really",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 30,  # a PNG signature and nothing after it
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    b"email\nreader@example.com\n\x00\xff\xfe",
    DAMAGED_PHOTO,
    DAMAGED_PHOTO[: len(DAMAGED_PHOTO) // 2],  # cut short
)


def _upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


FILES = st.builds(
    _upload,
    st.sampled_from(["image.png", "list.csv", "a" * 300 + ".jpg", "x", "../../x.png", "é.gif"]),
    st.sampled_from(NOT_AN_IMAGE),
    st.sampled_from(["image/png", "text/csv", "application/octet-stream", ""]),
)


# The worst values for each kind of field, for the sweep that spoils one field at a time.
SPOILERS = {
    "number": ("2147483648", "9223372036854775808", "9" * 40, "-1"),
    "hidden": ("9" * 40, "-1", "\x00", "x" * 300),
    "date": ("9999-12-31", "0001-01-01", "2024-02-30"),
    "datetime-local": ("9999-12-31T23:59", "0001-01-01T00:00", "2024-02-30T10:00"),
    "email": ("a@" + "x" * 300 + ".com", "ü@ü.ü", "a\x00@example.com"),
    "select": ("\x00", "9" * 40, "x" * 300),
    "radio": ("\x00", "x" * 300),
    "checkbox": ("\x00",),
    "file": (),  # files are in FILES below
    "text": ("\x00", "x" * 20_000, "\u202e" + "𝕏" * 300),
}


def spoilt_bodies(fields: dict[str, Field]) -> Iterator[dict]:
    """What the page would send, with one field at a time given each of its worst values."""
    untouched = {name: found.default for name, found in fields.items() if found.default is not None}
    for name, found in sorted(fields.items()):
        if found.kind in ("submit", "button"):
            values = [*sorted(found.values), "\x00"]  # each action the form offers, and garbage
        elif found.kind == "file":
            values = [
                _upload("image.png", NOT_AN_IMAGE[2], "image/png"),
                _upload("photo.jpg", DAMAGED_PHOTO, "image/jpeg"),
                _upload("a" * 300 + ".csv", b"email\n", "text/csv"),
            ]
        else:
            values = SPOILERS.get(found.kind, SPOILERS["text"])
        for value in values:
            yield {**untouched, name: value}


def field_values(found: Field):
    """One value or several for the same name; real ones (options, value=) and garbage."""
    if found.kind == "file":
        return st.one_of(FILES, RAW_TEXT)
    offered = sorted(value for value in found.values if value)
    one = st.one_of(st.sampled_from(offered), RAW_TEXT) if offered else RAW_TEXT
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))


def form_bodies(fields: dict[str, Field]):
    """A dict of field values. Either what the page would send with one or two fields spoilt
    (to get past validation into the code behind it), or any fields at all, some missing, extra
    names added."""
    if not fields:
        return st.dictionaries(st.sampled_from(["next", "action", "\x00"]), TEXT, max_size=2)
    names = sorted(fields)
    untouched = {name: found.default for name, found in fields.items() if found.default is not None}
    spoilt = st.one_of([st.tuples(st.just(name), field_values(fields[name])) for name in names])
    mutated = st.tuples(
        st.lists(spoilt, min_size=1, max_size=2), st.sets(st.sampled_from(names), max_size=1)
    ).map(
        lambda change: {
            **{name: value for name, value in untouched.items() if name not in change[1]},
            **dict(change[0]),
        }
    )
    optional = {name: field_values(found) for name, found in sorted(fields.items())}
    extra = st.dictionaries(
        st.sampled_from(["next", "r", "action", "id", "\x00", "a" * 300]), TEXT, max_size=2
    )
    anything = st.tuples(st.fixed_dictionaries({}, optional=optional), extra).map(
        lambda pair: {**pair[1], **pair[0]}
    )
    return st.one_of(mutated, anything)


def urlencoded(body: dict) -> bytes:
    """The body as a form post encodes it, but keeping what UTF-8 cannot hold (surrogates)."""
    pairs = []
    for name, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, SimpleUploadedFile):
                item = item.name
            pairs.append(
                (name.encode("utf-8", "surrogatepass"), str(item).encode("utf-8", "surrogatepass"))
            )
    return urlencode(pairs).encode()


def multipart_safe(body: dict) -> dict:
    """The test client encodes multipart bodies as UTF-8: drop what UTF-8 cannot hold."""

    def clean(value):
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, str):
            return value.encode("utf-8", "replace").decode()
        return value

    return {name.encode("utf-8", "replace").decode(): clean(value) for name, value in body.items()}


FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=B"


def _part(headers: bytes, content: bytes = b"x") -> bytes:
    return b"--B\r\n" + headers + b"\r\n\r\n" + content + b"\r\n"


# Bodies no browser sends: broken encodings, too many fields or files, too large, odd headers.
RAW_BODIES = (
    (b"a=%ff%fe&b=%ed%a0%80", FORM),  # not UTF-8; a lone surrogate
    (b"&&&==&=&%", FORM),
    (b"next=%00&body=%C0%AF", FORM),
    (b"a=1&" * 1500, FORM),  # past DATA_UPLOAD_MAX_NUMBER_FIELDS
    (b"body=\xe9", FORM + "; charset=latin-1"),
    (b"body=x", FORM + "; charset=no-such-charset"),
    (b"x" * 5000, "multipart/form-data; boundary=nothing"),
    (b"\x00\x01\x02", "multipart/form-data"),
    (
        _part(b'Content-Disposition: form-data; name="f"; filename="a"') * 150 + b"--B--\r\n",
        MULTIPART,
    ),
    (
        _part(
            b'Content-Disposition: form-data; name="body"\r\nContent-Type: text/plain; charset=no-such'
        )
        + b"--B--\r\n",
        MULTIPART,
    ),
    (_part(b"Content-Disposition: form-data; name*=UTF-8''%FF") + b"--B--\r\n", MULTIPART),
    (
        _part(b'Content-Disposition: form-data; name="image"; filename="' + b"a" * 5000 + b'.png"')
        + b"--B--\r\n",
        MULTIPART,
    ),
    (
        _part(b'Content-Disposition: form-data; name="image"; filename="a.png"', DAMAGED_PHOTO)
        + b"--B--\r\n",
        MULTIPART,
    ),
    (b"body=x", "text/plain"),
)

# Past DATA_UPLOAD_MAX_MEMORY_SIZE: drawn now and then, as reading it costs each time.
HUGE_BODY = (b"x=" + b"y" * 3_000_000, FORM)

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        TEXT,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
MALFORMED_JSON = (
    "",
    "{",
    '{"body": ',
    "[1, 2",
    "NaN",
    '{"a": 1e999}',
    '"\\ud800"',
    "\x00",
    '{"body": "x"}' * 2,
    "[" * 2000,  # deeper than a recursive parser likes
)


# Values of the wrong type or size, for the sweep that spoils one key of a real JSON body.
JSON_SPOILERS = (None, 0, True, 2**70, 1.5, [], {}, "", "x" * 300, "\x00", ["a@example.com"])


def spoilt_json(example: dict) -> Iterator[str]:
    """A real body with one key at a time missing, then given each wrong value."""
    for key in sorted(example):
        yield json.dumps({name: value for name, value in example.items() if name != key})
        for value in JSON_SPOILERS:
            yield json.dumps({**example, key: value})


def json_bodies(fields: dict[str, Field], example=None):
    """JSON text: malformed, of the wrong shape, an object of the form's names with values of
    the wrong types, or a real `example` (what a webhook receives) with a value or two spoilt."""
    named = st.dictionaries(st.sampled_from(sorted(fields) or ["body"]), JSON_VALUES, max_size=4)
    shapes = [st.sampled_from(MALFORMED_JSON), JSON_VALUES.map(json.dumps), named.map(json.dumps)]
    if example is not None:
        keys = sorted(example)
        changes = st.dictionaries(st.sampled_from(keys), JSON_VALUES, min_size=1, max_size=2)
        spoilt = st.tuples(changes, st.sets(st.sampled_from(keys), max_size=1)).map(
            lambda change: {
                **{key: value for key, value in example.items() if key not in change[1]},
                **change[0],
            }
        )
        shapes.append(spoilt.map(json.dumps))
    return st.one_of(*shapes)


# Every query name at once gets each of these: a parameter's parser fails whatever the others say.
QUERY_SPOILERS = (
    "9" * 40,
    "\x00",
    "x" * 300,
    "9999-12-31",
    "0001-01-01",
    "1700000000000000-9999999999999999999",  # an "Older" cursor with an id past any integer
    "99999999999999999999-1",  # a cursor of a moment past any date
    "é✓",
)


def query_strings(fields: dict[str, Field], names: list[str]):
    """Query strings: the names links and forms use with any values, or a form's fields spoilt."""
    value = st.one_of(TEXT, st.lists(TEXT, min_size=2, max_size=3))
    usual = st.dictionaries(st.sampled_from(names), value, max_size=4)
    return st.one_of(usual, form_bodies(fields).map(_as_query))


def _as_query(body: dict) -> dict:
    """A form body as a query string can carry it: file names for files, no surrogates."""

    def clean(value):
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, SimpleUploadedFile):
            value = value.name
        return str(value).encode("utf-8", "replace").decode()

    return {clean(name): clean(value) for name, value in body.items()}
