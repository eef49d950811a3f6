"""Images for posts: what is accepted, what is refused and why, and what is written."""

from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageCms

from masthead.core import images
from tests.desk.image_files import bomb_png_bytes, fake_png_upload, image_bytes, upload


def reopen(processed: images.ProcessedImage) -> Image.Image:
    return Image.open(BytesIO(processed.content))


def test_a_wide_photo_is_resized_to_1600_pixels_keeping_its_proportions():
    processed = images.process_image(upload(image_bytes(3200, 1800, "JPEG"), "wide.jpg"))

    assert (processed.width, processed.height) == (1600, 900)
    assert reopen(processed).size == (1600, 900)
    assert processed.extension == "jpg"


def test_a_small_image_keeps_its_size():
    processed = images.process_image(upload(image_bytes(300, 200)))

    assert (processed.width, processed.height) == (300, 200)


@pytest.mark.parametrize(
    ("source_format", "mode", "extension", "written_format"),
    [
        ("JPEG", "RGB", "jpg", "JPEG"),
        ("PNG", "RGBA", "png", "PNG"),
        ("WEBP", "RGB", "webp", "WEBP"),
        ("GIF", "P", "png", "PNG"),
    ],
)
def test_each_accepted_format_is_written_as_a_web_format(
    source_format, mode, extension, written_format
):
    color = 3 if mode == "P" else (10, 20, 30, 255)[: len(mode)]
    content = image_bytes(50, 40, source_format, mode=mode, color=color)

    processed = images.process_image(upload(content))

    assert processed.extension == extension
    assert reopen(processed).format == written_format


def test_transparency_survives_in_a_png():
    processed = images.process_image(upload(image_bytes(20, 20, "PNG", "RGBA", (0, 0, 0, 0))))

    assert reopen(processed).mode == "RGBA"
    assert reopen(processed).getpixel((5, 5))[3] == 0


def test_camera_metadata_and_comments_are_removed():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 29.0)}  # GPS latitude
    content = image_bytes(64, 48, "JPEG", exif=exif.tobytes(), comment=b"secret note")
    assert b"PhoneMaker" in content and b"secret note" in content

    processed = images.process_image(upload(content, "photo.jpg"))

    written = reopen(processed)
    assert dict(written.getexif()) == {}
    assert "comment" not in written.info and "exif" not in written.info
    assert b"PhoneMaker" not in processed.content and b"secret note" not in processed.content


def test_a_colour_profile_is_applied_then_dropped():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    content = image_bytes(30, 30, "PNG", icc_profile=profile)
    assert "icc_profile" in Image.open(BytesIO(content)).info

    processed = images.process_image(upload(content))

    assert "icc_profile" not in reopen(processed).info


def test_an_image_rotated_by_its_exif_orientation_is_stored_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    content = image_bytes(80, 40, "JPEG", exif=exif.tobytes())

    processed = images.process_image(upload(content, "portrait.jpg"))

    assert (processed.width, processed.height) == (40, 80)


def test_a_cmyk_jpeg_is_converted_to_rgb():
    content = image_bytes(30, 30, "JPEG", mode="CMYK", color=(0, 255, 255, 0))

    processed = images.process_image(upload(content, "print.jpg"))

    assert reopen(processed).mode == "RGB"


def test_a_text_file_renamed_png_is_refused():
    with pytest.raises(images.ImageRejected, match="not an image"):
        images.process_image(fake_png_upload())


def test_an_svg_is_refused_as_not_an_image_masthead_reads():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    with pytest.raises(images.ImageRejected, match="not an image"):
        images.process_image(upload(svg, "logo.svg", "image/svg+xml"))


def test_a_truncated_image_is_refused_as_damaged():
    noisy = Image.effect_noise((400, 300), 80).convert("RGB")
    buffer = BytesIO()
    noisy.save(buffer, "PNG")
    content = buffer.getvalue()

    with pytest.raises(images.ImageRejected, match="damaged"):
        images.process_image(upload(content[: len(content) // 2]))


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    with pytest.raises(images.ImageRejected, match="too many pixels"):
        images.process_image(upload(bomb_png_bytes()))


def test_an_image_over_the_pixel_limit_is_refused():
    with pytest.raises(images.ImageRejected, match="too many pixels"):
        images.process_image(upload(bomb_png_bytes(8000, 8000)))


def test_a_file_over_the_size_limit_is_refused_with_the_limit(settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 1024

    with pytest.raises(images.ImageRejected, match="at most 1 KB"):
        images.process_image(upload(b"\0" * 2048))


def test_an_empty_file_is_refused():
    with pytest.raises(images.ImageRejected, match="empty"):
        images.process_image(upload(b""))


def test_the_alt_text_is_kept_on_one_line_with_brackets_escaped():
    markdown = images.image_markdown("A [big]\nsunset", "/media/posts/1/a.jpg")

    assert markdown == r"![A \[big\] sunset](/media/posts/1/a.jpg)"


def test_a_stored_image_gets_an_unguessable_name_under_its_publication(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    processed = images.process_image(upload(image_bytes(20, 20)))

    stored = images.store_post_image(7, processed, "A square")

    assert stored.name.startswith("posts/7/") and stored.name.endswith(".png")
    assert len(stored.name.removeprefix("posts/7/").removesuffix(".png")) == 32
    assert stored.url == f"/media/{stored.name}"
    assert stored.markdown == f"![A square](/media/{stored.name})"
    assert default_storage.open(stored.name).read() == processed.content
