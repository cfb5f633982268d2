import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles import images
from articles.images import ImageRejected, sanitise
from tests.builders import make_article, make_image

GPS_LATITUDE = (51.0, 30.0, 12.5)


def jpeg_with_gps_and_orientation(size=(60, 40)):
    picture = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "SpyCam Ltd"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", GPS_LATITUDE, "W", (0.0, 7.0, 40.0)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_declaring(width, height):
    """A tiny PNG whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")
    )


def test_gps_and_camera_metadata_are_stripped_and_orientation_applied():
    cleaned = sanitise(jpeg_with_gps_and_orientation(), "IMG_0001.JPG")
    data = cleaned.read()
    picture = Image.open(io.BytesIO(data))

    assert picture.size == (40, 60)  # turned the right way up
    assert dict(picture.getexif()) == {}
    assert b"SpyCam" not in data and b"GPS" not in data
    assert cleaned.name == "IMG_0001.jpg"


def test_bytes_appended_to_a_real_photo_do_not_survive():
    polyglot = jpeg_with_gps_and_orientation() + b"<script>alert(document.cookie)</script>"

    data = sanitise(polyglot, "photo.jpg").read()

    assert b"<script>" not in data
    assert Image.open(io.BytesIO(data)).format == "JPEG"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', "markup"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "markup"),
        (b'<?xml version="1.0"?><svg/>', "markup"),
        (b"just some text pretending to be a photo", "not a picture"),
        (b"\xff\xd8\xff\xe0 truncated jpeg", "not a picture"),
        (png_declaring(100_000, 100_000), "more pixels than it could ever hold"),
    ],
    ids=["svg", "html", "xml", "text", "truncated", "decompression-bomb"],
)
def test_files_that_are_not_honest_photos_are_refused_with_a_reason(data, reason):
    with pytest.raises(ImageRejected, match=reason):
        sanitise(data, "photo.jpg")


def test_animated_pictures_are_refused():
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])

    with pytest.raises(ImageRejected, match="animated"):
        sanitise(buffer.getvalue(), "anim.gif")


def test_oversized_files_and_pictures_are_refused(monkeypatch):
    data = jpeg_with_gps_and_orientation(size=(300, 200))
    monkeypatch.setattr(images, "MAX_BYTES", 100)
    with pytest.raises(ImageRejected, match="the limit is"):
        sanitise(data, "big.jpg")

    monkeypatch.setattr(images, "MAX_BYTES", 10_000_000)
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    with pytest.raises(ImageRejected, match="megapixels"):
        sanitise(data, "big.jpg")


@pytest.mark.django_db
def test_renditions_are_drawn_once_in_webp_and_jpeg_at_each_width():
    from tests.builders import jpeg_file

    image = make_image(make_article(), image=jpeg_file(size=(1000, 500)))

    renditions = images.make_renditions(image)

    assert renditions["source"] == image.image.name
    assert [size["width"] for size in renditions["sizes"]] == [480, 800, 1000]
    first = renditions["sizes"][0]
    assert first["height"] == 240
    from django.core.files.storage import default_storage

    with default_storage.open(first["webp"]) as stream:
        assert Image.open(stream).format == "WEBP"
    with default_storage.open(first["jpeg"]) as stream:
        assert Image.open(stream).size == (480, 240)
    # At its own width, a JPEG photo is its own JPEG rendition: it is not stored twice.
    assert renditions["sizes"][-1]["jpeg"] == image.image.name
    assert not default_storage.exists(images.rendition_name(image.image.name, 1000, "jpeg"))
    assert images.make_renditions(image) == renditions  # the files already drawn are reused


@pytest.mark.django_db
def test_a_png_photo_gets_a_jpeg_rendition_at_its_own_width_too():
    buffer = io.BytesIO()
    Image.new("RGB", (600, 300), (120, 140, 160)).save(buffer, format="PNG")
    image = make_image(make_article(), image=SimpleUploadedFile("chart.png", buffer.getvalue()))

    own = images.make_renditions(image)["sizes"][-1]

    assert own["width"] == 600 and own["jpeg"] != image.image.name
    from django.core.files.storage import default_storage

    with default_storage.open(own["jpeg"]) as stream:
        assert Image.open(stream).format == "JPEG"


@pytest.mark.django_db
def test_story_page_offers_webp_and_jpeg_sizes_with_dimensions(client):
    from tests.builders import jpeg_file

    article = make_article()
    image = make_image(article, image=jpeg_file(size=(1000, 500)), is_lead=True)
    image.ensure_renditions()

    html = client.get(article.get_absolute_url()).content.decode()

    assert '<source type="image/webp" srcset="' in html
    assert "480w" in html and "800w" in html and "1000w" in html
    assert 'width="1000" height="500"' in html
    figure = html[html.index('<figure class="figure figure--lead">') :]
    assert 'loading="lazy"' not in figure[: figure.index("</figure>")]  # the lead photo loads at once


@pytest.mark.django_db
def test_photo_without_renditions_falls_back_to_the_original(client):
    article = make_article()
    image = make_image(article, is_lead=True)

    html = client.get(article.get_absolute_url()).content.decode()

    assert image.image.url in html
    assert "<picture>" not in html


@pytest.mark.django_db
def test_make_renditions_command_fills_in_missing_ones():
    from django.core.management import call_command

    image = make_image(make_article())
    call_command("make_renditions", verbosity=0)

    image.refresh_from_db()
    assert image.renditions["source"] == image.image.name


@pytest.mark.django_db
def test_stored_photo_names_cannot_be_guessed_from_the_original_file_name():
    from tests.builders import jpeg_file

    image = make_image(make_article(), image=jpeg_file(name="mayor-secret-meeting.jpg"))

    assert "mayor" not in image.image.name
    assert image.image.name.startswith("images/") and image.image.name.endswith(".jpg")


def gif(size=(30, 20)):
    buffer = io.BytesIO()
    Image.new("P", size, 3).save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize("make", [jpeg_with_gps_and_orientation, gif], ids=["jpeg turned upright", "gif"])
def test_prepare_gives_the_same_file_as_the_gate_and_draws_from_it(make):
    data = make()
    clean = sanitise(data, "upload.x")

    prepared = images.prepare(data, "upload.x")

    assert (prepared.content, prepared.name) == (clean.read(), clean.name)
    with Image.open(io.BytesIO(prepared.content)) as stored:
        assert (prepared.width, prepared.height) == stored.size
    ((width, height, webp, jpeg),) = prepared.renditions
    assert (width, height) == (prepared.width, prepared.height)
    assert Image.open(io.BytesIO(webp)).format == "WEBP"
    if clean.name.endswith(".jpg"):
        assert jpeg is None  # at its own width, a JPEG photo is its own JPEG rendition
    else:
        assert Image.open(io.BytesIO(jpeg)).format == "JPEG"


def test_prepare_draws_nothing_for_a_photo_already_stored_and_refuses_what_the_gate_refuses():
    data = jpeg_with_gps_and_orientation()
    digest = images.prepare(data, "a.jpg", draw=False).digest

    assert images.prepare(data, "a.jpg", known={digest}).renditions == []
    with pytest.raises(ImageRejected, match="markup"):
        images.prepare(b"<svg></svg>", "a.jpg")


def test_renditions_are_named_after_their_photo():
    assert images.rendition_name("images/2024/05/Xy_z.jpg", 480, "webp") == "renditions/2024/05/Xy_z.jpg/Xy_z-480.webp"
    assert images.rendition_name("old/photo.png", 800, "jpeg") == "renditions/old/photo.png/photo-800.jpg"
