"""Images whose EXIF block is damaged: the pixels are fine, so they are taken, upright or not."""

import struct

import pytest

from masthead.core import images
from tests.desk.image_files import image_bytes, upload


def exif_block(*entries: tuple[int, int, int, bytes]) -> bytes:
    """A little-endian TIFF block of (tag, type, count, 4-byte value) entries, values inline."""
    header = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(entries))
    body = b"".join(
        struct.pack("<HHI", tag, kind, count) + value for tag, kind, count, value in entries
    )
    return b"Exif\x00\x00" + header + body + struct.pack("<I", 0)


ROTATE = (0x0112, 3, 1, struct.pack("<HH", 6, 0))  # orientation 6, a SHORT: "rotate 90°"
# Predictor is a number (SHORT) to Pillow, here text: rewriting the block fails in struct.pack.
TEXT_IN_A_NUMBER_TAG = (0x013D, 2, 4, b"xyz\x00")


def test_a_photo_with_text_in_a_number_tag_is_taken_upright():
    content = image_bytes(80, 40, "JPEG", exif=exif_block(ROTATE, TEXT_IN_A_NUMBER_TAG))

    processed = images.process_image(upload(content, "photo.jpg"))

    assert (processed.width, processed.height) == (40, 80)


@pytest.mark.parametrize(
    "orientation",
    [(0x0112, 2, 4, b"six\x00"), (0x0112, 3, 1, struct.pack("<HH", 9, 0))],
    ids=["text", "out-of-range"],
)
def test_an_unreadable_orientation_leaves_the_photo_as_it_is(orientation):
    content = image_bytes(80, 40, "JPEG", exif=exif_block(orientation))

    processed = images.process_image(upload(content, "photo.jpg"))

    assert (processed.width, processed.height) == (80, 40)
