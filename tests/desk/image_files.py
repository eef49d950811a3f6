"""Image files made on the spot for upload tests: real ones, fake ones, bombs."""

import struct
import zlib
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(width=40, height=30, image_format="PNG", mode="RGB", color=(200, 80, 20), **save):
    buffer = BytesIO()
    Image.new(mode, (width, height), color).save(buffer, image_format, **save)
    return buffer.getvalue()


def upload(content: bytes, name="photo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_upload(width=40, height=30, name="photo.png") -> SimpleUploadedFile:
    return upload(image_bytes(width, height), name)


def fake_png_upload() -> SimpleUploadedFile:
    """A text file renamed .png, sent as image/png."""
    return upload(b"Just some text pretending to be a picture.\n" * 20, "notes.png")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png_bytes(width=100_000, height=100_000) -> bytes:
    """A PNG of a few hundred bytes whose header claims ten billion pixels."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    pixels = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )
