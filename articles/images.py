"""
Photos: what may enter the newsroom, and the sizes readers are sent.

``sanitise`` is the one gate for every image that enters, from the admin or an
import: it must be a real JPEG, PNG, WebP or GIF picture within the size
limits, one frame only; it is re-encoded from its pixels, which turns it the
right way up and drops everything else the file carried — EXIF (GPS above
all: a photo must never say where a source lives), XMP, comments and any
payload appended to it.

``make_renditions`` draws the widths readers' browsers choose from, in WebP
with a JPEG fallback, once per photo, through Django's storage.
"""

import io
import os
import warnings
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 50_000_000
ALLOWED_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
RENDITION_WIDTHS = (480, 800, 1200, 1600)

# Markup at the start of a file that claims to be a picture: an SVG, an HTML
# page or a script dressed up with an image extension.
MARKUP_SIGNS = (b"<svg", b"<?xml", b"<!doctype", b"<html", b"<script", b"<body", b"<iframe")


class ImageRejected(ValueError):
    """The file is not a picture Newsroom accepts; the message says why, for the person who sent it."""


def sanitise(data, name):
    """
    Check ``data`` (bytes) and return it re-encoded as a clean ``ContentFile``
    named after ``name`` with the right extension; raise ``ImageRejected``.
    """
    if len(data) > MAX_BYTES:
        raise ImageRejected(
            f"the file is {len(data) // (1024 * 1024)} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB"
        )
    if data[:256].lstrip().lower().startswith(MARKUP_SIGNS):
        raise ImageRejected("the file is markup (SVG or HTML), not a photo")
    picture = _open_checked(data)
    image_format = picture.format
    picture = ImageOps.exif_transpose(picture)
    return ContentFile(_encode(picture, image_format), name=_clean_name(name, image_format))


def _open_checked(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            picture = Image.open(io.BytesIO(data))
            if picture.format not in ALLOWED_FORMATS:
                raise ImageRejected(f"{picture.format} pictures are not accepted; send JPEG, PNG or WebP")
            if picture.width * picture.height > MAX_PIXELS:
                raise ImageRejected(
                    f"the picture is {picture.width} × {picture.height} pixels; the limit is "
                    f"{MAX_PIXELS // 1_000_000} megapixels"
                )
            if getattr(picture, "n_frames", 1) > 1:
                raise ImageRejected("animated pictures are not accepted")
            picture.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
            raise ImageRejected("the picture declares more pixels than it could ever hold") from bomb
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as broken:
            if isinstance(broken, ImageRejected):
                raise
            raise ImageRejected("the file is not a picture Newsroom can read") from broken
    return picture


def _encode(picture, image_format):
    buffer = io.BytesIO()
    if image_format == "JPEG":
        picture.convert("RGB").save(buffer, "JPEG", quality=90, optimize=True, progressive=True)
    elif image_format == "PNG":
        picture.save(buffer, "PNG", optimize=True)
    elif image_format == "WEBP":
        picture.save(buffer, "WEBP", quality=90)
    else:  # a single-frame GIF is kept as a PNG
        picture.convert("RGBA").save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _clean_name(name, image_format):
    stem = PurePath(os.path.basename(name or "photo")).stem or "photo"
    extension = ".png" if image_format == "GIF" else ALLOWED_FORMATS[image_format]
    return f"{stem[:80]}{extension}"


def make_renditions(image_caption, storage=None):
    """
    Draw the photo at each of RENDITION_WIDTHS narrower than itself (and at its
    own width when that is narrower than the widest), in WebP and JPEG, and
    return what ``ImageCaption.renditions`` keeps: the source name and, per
    width, the stored names and height. Files already drawn are reused.
    """
    storage = storage or default_storage
    if not image_caption.image:
        return {}
    with image_caption.image.open("rb") as stream:
        picture = ImageOps.exif_transpose(Image.open(stream))
        picture.load()
    widths = sorted({width for width in RENDITION_WIDTHS if width < picture.width} | {min(picture.width, 1600)})
    stem = PurePath(image_caption.image.name).stem
    folder = f"renditions/{image_caption.pk}"
    sizes = []
    for width in widths:
        height = round(picture.height * width / picture.width)
        resized = None
        entry = {"width": width, "height": height}
        for kind, extension, save in (("webp", "webp", _save_webp), ("jpeg", "jpg", _save_jpeg)):
            name = f"{folder}/{stem}-{width}.{extension}"
            if not storage.exists(name):
                resized = resized or picture.resize((width, height), Image.Resampling.LANCZOS)
                name = storage.save(name, ContentFile(save(resized)))
            entry[kind] = name
        sizes.append(entry)
    return {"source": image_caption.image.name, "sizes": sizes}


def _save_webp(picture):
    buffer = io.BytesIO()
    picture.save(buffer, "WEBP", quality=80, method=4)
    return buffer.getvalue()


def _save_jpeg(picture):
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()
