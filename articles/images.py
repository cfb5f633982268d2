"""
Photos: what may enter the newsroom, and the sizes readers are sent.

``sanitise`` is the one gate for every image that enters, from the admin or an
import: it must be a real JPEG, PNG, WebP or GIF picture within the size
limits, one frame only; it is re-encoded from its pixels, which turns it the
right way up and drops everything else the file carried — EXIF (GPS above
all: a photo must never say where a source lives), XMP, comments and any
payload appended to it.

``make_renditions`` draws the widths readers' browsers choose from, in WebP
with a JPEG fallback, once per photo, through Django's storage; a photo's
renditions are named after the photo itself (``rendition_name``). A JPEG photo
is its own JPEG rendition at its own width: it is not stored twice.

``prepare`` (and ``prepare_file``) does both for an import from one decoding of
the picture: the gate, then the renditions drawn from the pixels the gate
kept, all in memory and returned as bytes, so that it can run in a worker
process; ``store_renditions`` then stores what it drew.
"""

import hashlib
import io
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import (
    Image,
    ImageOps,
    UnidentifiedImageError,
    WebPImagePlugin,  # noqa: F401 -- WebP is saved without Pillow importing every plugin it has
)

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
    picture, image_format = _gate(data)
    pixels = _stored_pixels(picture, image_format)
    return ContentFile(_encode(pixels, image_format), name=_clean_name(name, image_format))


@dataclass
class Prepared:
    """
    A photo through the gate (``prepare``): the re-encoded file's bytes and name, its size and
    the SHA-256 of the bytes; and its renditions, drawn but not stored, as ``(width, height,
    webp bytes, jpeg bytes)``, the JPEG None where it is the photo itself (``_draw``): none
    when they were not asked for, or when drawing failed
    (``problem`` says why); ``drawing_seconds`` is the CPU time drawing them took.
    """

    content: bytes
    name: str
    width: int
    height: int
    digest: str
    renditions: list[tuple[int, int, bytes, bytes | None]] = field(default_factory=list)
    problem: str = ""
    drawing_seconds: float = 0.0


def prepare(data, name, *, draw=True, known=()):
    """
    Put ``data`` (bytes) through the gate as ``sanitise`` does and, when ``draw``, draw its
    renditions from the very pixels just encoded (the picture is decoded once); skip drawing
    when the re-encoded bytes' digest is in ``known`` (a photo already stored, with its
    renditions). Raises ``ImageRejected``; a failure to draw only leaves ``problem`` set.
    Touches no database and no storage: it runs in a worker process as well as here.
    """
    picture, image_format = _gate(data)
    pixels = _stored_pixels(picture, image_format)
    content = _encode(pixels, image_format)
    prepared = Prepared(
        content=content,
        name=_clean_name(name, image_format),
        width=pixels.width,
        height=pixels.height,
        digest=hashlib.sha256(content).hexdigest(),
    )
    if draw and prepared.digest not in known:
        started = time.thread_time()
        try:
            prepared.renditions = _draw(pixels, image_format)
        except Exception as problem:  # the photo itself is fine: it is served whole until drawn
            prepared.problem = f"{type(problem).__name__}: {problem}"
        prepared.drawing_seconds = time.thread_time() - started
    return prepared


def prepare_file(path, *, draw=True, known=()):
    """``prepare`` for the picture in the file at ``path``, read here (in the worker, when it runs in one)."""
    path = Path(path)
    return prepare(path.read_bytes(), path.name, draw=draw, known=known)


def _gate(data):
    """The picture in ``data``, checked, decoded and turned the right way up, and its format."""
    if len(data) > MAX_BYTES:
        raise ImageRejected(
            f"the file is {len(data) // (1024 * 1024)} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB"
        )
    if data[:256].lstrip().lower().startswith(MARKUP_SIGNS):
        raise ImageRejected("the file is markup (SVG or HTML), not a photo")
    picture = _open_checked(data)
    image_format = picture.format
    return ImageOps.exif_transpose(picture), image_format


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


def _stored_pixels(picture, image_format):
    """The pixels the re-encoded file keeps: a JPEG's in RGB, a GIF's in RGBA (it is kept as a PNG)."""
    mode = {"JPEG": "RGB", "GIF": "RGBA"}.get(image_format, picture.mode)
    return picture if picture.mode == mode else picture.convert(mode)


def _encode(pixels, image_format):
    """The file for ``pixels`` (``_stored_pixels``) in ``image_format``; a GIF becomes a PNG."""
    buffer = io.BytesIO()
    if image_format == "JPEG":
        pixels.save(buffer, "JPEG", quality=90, optimize=True, progressive=True)
    elif image_format == "WEBP":
        pixels.save(buffer, "WEBP", quality=90)
    else:  # PNG, and a single-frame GIF kept as a PNG
        pixels.save(buffer, "PNG", optimize=True)
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
        stored = Image.open(stream)
        image_format = stored.format
        picture = ImageOps.exif_transpose(stored)
        picture.load()
    source = image_caption.image.name
    sizes = []
    for width, height in _rendition_sizes(picture):
        resized = None
        entry = {"width": width, "height": height}
        for kind, save in (("webp", _save_webp), ("jpeg", _save_jpeg)):
            if kind == "jpeg" and _is_the_photo(picture, image_format, width):
                entry[kind] = source
                continue
            name = rendition_name(source, width, kind)
            if not storage.exists(name):
                resized = resized or picture.resize((width, height), Image.Resampling.LANCZOS)
                name = storage.save(name, ContentFile(save(resized)))
            entry[kind] = name
        sizes.append(entry)
    return {"source": source, "sizes": sizes}


def store_renditions(source, renditions, stored, storage=None):
    """
    Store the renditions ``prepare`` drew for the photo stored as ``source`` and return what
    ``ImageCaption.renditions`` keeps (as ``make_renditions`` does). Each name stored is added
    to the list ``stored`` as soon as it is, so that a failure half-way can delete them.
    """
    storage = storage or default_storage
    sizes = []
    for width, height, webp, jpeg in renditions:
        entry = {"width": width, "height": height}
        for kind, data in (("webp", webp), ("jpeg", jpeg)):
            if data is None:  # the photo itself
                entry[kind] = source
                continue
            entry[kind] = storage.save(rendition_name(source, width, kind), ContentFile(data))
            stored.append(entry[kind])
        sizes.append(entry)
    return {"source": source, "sizes": sizes}


def rendition_name(source, width, kind):
    """
    Where the ``kind`` ("webp" or "jpeg") rendition at ``width`` of the photo stored as
    ``source`` goes: in a folder named after the photo (``images/2024/05/Xy.jpg`` →
    ``renditions/2024/05/Xy.jpg/Xy-480.webp``), so that a photo's renditions are known
    before its caption is saved and are the same whichever caption shows it.
    """
    path = PurePath(source)
    if path.parts[:1] == ("images",):
        path = path.relative_to("images")
    extension = {"webp": "webp", "jpeg": "jpg"}[kind]
    return f"renditions/{path.as_posix()}/{path.stem}-{width}.{extension}"


def _rendition_sizes(picture):
    """``(width, height)`` of each rendition: RENDITION_WIDTHS below the picture's width, and its own up to 1600."""
    widths = sorted({width for width in RENDITION_WIDTHS if width < picture.width} | {min(picture.width, 1600)})
    return [(width, round(picture.height * width / picture.width)) for width in widths]


def _draw(picture, image_format):
    """
    The renditions of ``picture``, the pixels of a photo stored in ``image_format``, as
    ``(width, height, webp bytes, jpeg bytes)``; the JPEG is None where it is the photo itself.
    """
    drawn = []
    for width, height in _rendition_sizes(picture):
        resized = picture.resize((width, height), Image.Resampling.LANCZOS)
        jpeg = None if _is_the_photo(picture, image_format, width) else _save_jpeg(resized)
        drawn.append((width, height, _save_webp(resized), jpeg))
    return drawn


def _is_the_photo(picture, image_format, width):
    """Whether the JPEG rendition at ``width`` of ``picture``, stored in ``image_format``, is the photo itself."""
    return image_format == "JPEG" and width == picture.width


def _save_webp(picture):
    buffer = io.BytesIO()
    picture.save(buffer, "WEBP", quality=80, method=4)
    return buffer.getvalue()


def _save_jpeg(picture):
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return buffer.getvalue()
