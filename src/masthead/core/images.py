"""Images uploaded into posts: checked with Pillow, re-encoded without metadata, resized, stored.

Nothing of the uploaded file is kept: the pixels are decoded and written into a new file, so
EXIF (camera, GPS position), comments and anything hidden after the image data are dropped.
"""

import re
import secrets
import struct
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageCms, UnidentifiedImageError

MAX_WIDTH = 1600
# A 40-megapixel photo is fine; a small file that claims 100,000 × 100,000 pixels (a
# decompression bomb) is refused before its pixels are decoded.
MAX_PIXELS = 40_000_000

# Pillow decodes only these; other formats (EPS through Ghostscript, PSD, ...) are never opened.
OPEN_FORMATS = ["JPEG", "PNG", "GIF", "WEBP"]
# Source format -> (format written, file extension). GIFs become PNGs of their first frame.
OUTPUT = {
    "JPEG": ("JPEG", "jpg"),
    "MPO": ("JPEG", "jpg"),  # JPEGs from phone cameras that carry extra frames
    "PNG": ("PNG", "png"),
    "GIF": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
}
SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": False},
    "WEBP": {"quality": 85, "method": 4},
}


# EXIF orientation -> the transposition that shows the pixels upright. As ImageOps.exif_transpose,
# which also rewrites the EXIF block it keeps, and fails on a damaged one: we keep none.
ORIENTATION_TAG = 0x0112
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

MARKDOWN_SPECIAL = re.compile(r"([\\\[\]])")


class ImageRejected(ValueError):
    """The upload is not an image Masthead accepts; the message says why, for the writer."""


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class StoredImage:
    name: str
    url: str
    markdown: str


def describe_size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if count >= 1024:
        return f"{count // 1024} KB"
    return f"{count} bytes"


def process_image(
    file, *, max_bytes: int | None = None, max_width: int = MAX_WIDTH
) -> ProcessedImage:
    """Decode an uploaded file and return it re-encoded, at most `max_width` pixels wide.

    Raises ImageRejected with a message for the writer when the file is empty, too large,
    not an image, damaged, or has too many pixels.
    """
    limit = settings.MAX_IMAGE_UPLOAD_BYTES if max_bytes is None else max_bytes
    size = file.size if hasattr(file, "size") else len(file.read())
    if not size:
        raise ImageRejected("The file is empty. Choose an image file.")
    if size > limit:
        raise ImageRejected(
            f"This file is {describe_size(size)}; images can be at most {describe_size(limit)}."
        )
    file.seek(0)
    try:
        with Image.open(file, formats=OPEN_FORMATS) as source:
            source_format = source.format or ""
            _check_pixels(*source.size)
            source.load()  # decodes everything: a fake or truncated file fails here
            image = _prepare(source, OUTPUT[source_format][0], max_width)
    except ImageRejected:
        raise
    except Image.DecompressionBombError:
        raise ImageRejected(_too_many_pixels_message()) from None
    except UnidentifiedImageError:
        raise ImageRejected(
            "This file is not an image Masthead can read. Upload a JPEG, PNG, WebP or GIF."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, KeyError):
        raise ImageRejected(
            "This image is damaged or incomplete. Export it again and upload the new file."
        ) from None
    output_format, extension = OUTPUT[source_format]
    buffer = BytesIO()
    image.save(buffer, output_format, **SAVE_OPTIONS[output_format])
    return ProcessedImage(buffer.getvalue(), extension, image.width, image.height)


def _too_many_pixels_message() -> str:
    return f"This image has too many pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels."


def _check_pixels(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageRejected("This image has no pixels.")
    if width * height > MAX_PIXELS:
        raise ImageRejected(_too_many_pixels_message())


def _prepare(source: Image.Image, output_format: str, max_width: int) -> Image.Image:
    """A new image with the source's pixels, upright, in sRGB, resized, and no metadata."""
    image = _upright(source)  # phones store "rotate me" in EXIF, which we drop
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if output_format == "JPEG":
        mode = "L" if image.mode == "L" else "RGB"
    else:
        mode = "RGBA" if has_alpha else ("L" if image.mode == "L" else "RGB")
    icc_profile = image.info.get("icc_profile")
    if image.mode != mode:
        image = image.convert(mode)
    if icc_profile and mode in ("RGB", "RGBA"):
        image = _to_srgb(image, icc_profile)
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    else:
        image = image.copy()
    image.info = {}  # no EXIF, ICC profile, comments or text chunks in the file we write
    return image


def _upright(source: Image.Image) -> Image.Image:
    try:
        orientation = source.getexif().get(ORIENTATION_TAG)
    except (struct.error, SyntaxError, ValueError, TypeError, KeyError, OSError):
        return source  # a damaged EXIF block: the pixels decoded, only the hint is lost
    if not isinstance(orientation, int) or orientation not in UPRIGHT:
        return source
    return source.transpose(UPRIGHT[orientation])


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    """Convert colours to sRGB, so that dropping the colour profile changes no colour."""
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def image_markdown(alt: str, url: str) -> str:
    """`![alt](url)`, with the alt text on one line and its brackets escaped."""
    escaped = MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(alt.split()))
    return f"![{escaped}]({url})"


def store_post_image(publication_id: int, image: ProcessedImage, alt: str) -> StoredImage:
    """Save a processed image in the default storage, under a name nobody can guess."""
    name = default_storage.save(
        f"posts/{publication_id}/{secrets.token_hex(16)}.{image.extension}",
        ContentFile(image.content),
    )
    url = default_storage.url(name)
    return StoredImage(name, url, image_markdown(alt, url))
