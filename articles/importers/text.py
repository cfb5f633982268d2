"""
A story pasted from a web page into a UTF-8 ``.txt`` file.

The first line is the headline. After it may come an image block, then the paragraphs,
separated by blank lines::

    Harbour bridge reopens after six-month repair

     Workers remove scaffolding from the harbour bridge at dawn
    Workers remove scaffolding from the harbour bridge at dawn (Jane Doe/City Herald)

    The harbour bridge reopened to traffic on Monday ...

The image block is the first block after the headline when all of these hold:

* at least one more block (the story) follows it;
* it has one to three lines: ``caption (credit)`` last (or ``caption`` and then
  ``(credit)`` on a line of its own), optionally preceded by one line, which becomes
  the alt text (copy-paste puts the picture's alt text there, often repeating the caption);
* the caption is at most 400 characters and the credit at most 80;
* the credit looks like one: it contains "/" or "©" or a word such as Photo, Picture,
  Getty, handout or courtesy; or it is a bare agency (AP, Reuters...) or a person's name
  *and* the block also has a line repeating the caption or a picture lies next to the file.

So a first paragraph that merely ends in parentheses, "(with amendments)" or "(1998)",
stays a paragraph, and so does "...on Monday (Reuters)" with nothing else to back it.

The external id is ``name``, the path relative to the import root. A picture with the
same stem next to the file (.jpg, .jpeg, .png or .webp) becomes the image's ``file``.
The parser extracts no quotes: the loader does that from the body.
"""

import os
import re
from pathlib import Path, PurePosixPath

from .records import (
    MAX_BODY_BYTES,
    ArticleRecord,
    FormatError,
    ImageRecord,
    InvalidRecord,
    RecordError,
    clean_body,
    headline_text,
    one_line,
    paragraphs_html,
)

PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MAX_CAPTION_CHARS = 400
MAX_CREDIT_CHARS = 80
MAX_ALT_TEXT_CHARS = 500

CAPTION_WITH_CREDIT = re.compile(r"(?P<caption>.*?)\s*\((?P<credit>[^()]+)\)")
CREDIT_ALONE = re.compile(r"\([^()]+\)")
UNMISTAKABLE_CREDIT = re.compile(
    r"[/©]|\b(?:photo|photograph|picture|pic|image|illustration|graphic|getty|handout|courtesy|supplied)s?\b",
    re.IGNORECASE,
)
AGENCIES = {"ap", "afp", "pa", "epa", "reuters", "getty", "bloomberg", "xinhua", "dpa", "ansa", "efe", "anadolu"}
NAME_PARTICLES = {"al", "bin", "da", "de", "del", "della", "der", "di", "du", "ibn", "la", "le", "van", "von"}


def parse(stream, *, name, origin=None):
    """
    Yield the one ``ArticleRecord`` in ``stream`` (binary), or a ``RecordError`` when it cannot be read.

    Raises ``FormatError`` when the file is not UTF-8 text. CRLF line ends, a UTF-8 BOM,
    trailing whitespace and runs of blank lines are all fine.
    """
    data = stream.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        yield RecordError(name, f"the file is larger than {MAX_BODY_BYTES:,} bytes (5 MB)")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise FormatError(name, f"not UTF-8 text (invalid byte at offset {problem.start})") from None
    try:
        yield _article(text, name=name, origin=origin or "text", picture=_picture_beside(stream, name))
    except InvalidRecord as problem:
        yield RecordError(name, str(problem))


def _article(text, *, name, origin, picture):
    """The record for the story in ``text``: headline, image block if any, then paragraphs."""
    blocks = _blocks(text)
    if not blocks:
        raise InvalidRecord("the file is empty")
    first, *more = blocks
    headline = headline_text(first[0])
    if not headline:
        raise InvalidRecord("missing headline (the first line)")
    rest = ([first[1:]] if len(first) > 1 else []) + more
    image = _image_block(rest, has_picture=bool(picture))
    if image:
        rest = rest[1:]
    elif picture:
        image = ImageRecord()
    if image:
        image.file, image.lead = picture, True
    paragraphs = [one_line(" ".join(block)) for block in rest]
    return ArticleRecord(
        origin=origin,
        external_id=name,
        headline=headline,
        body_html=clean_body(paragraphs_html(paragraphs)),
        images=[image] if image else [],
        location=name,
    )


def _blocks(text):
    """The runs of non-blank lines in ``text``, each line stripped of trailing whitespace."""
    blocks, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _image_block(blocks, *, has_picture):
    """The ``ImageRecord`` described by the first block, or None when it is not an image block (see above)."""
    if len(blocks) < 2 or len(blocks[0]) > 3:
        return None
    lines = [one_line(line) for line in blocks[0]]
    if len(lines) > 1 and CREDIT_ALONE.fullmatch(lines[-1]):
        lines[-2:] = [f"{lines[-2]} {lines[-1]}"]
    if len(lines) > 2:
        return None
    match = CAPTION_WITH_CREDIT.fullmatch(lines[-1])
    if not match:
        return None
    caption, credit = one_line(match["caption"]), one_line(match["credit"])
    if not caption or len(caption) > MAX_CAPTION_CHARS or len(credit) > MAX_CREDIT_CHARS:
        return None
    alt_text = _without_credit(lines[0], credit) if len(lines) == 2 else ""
    if len(alt_text) > MAX_ALT_TEXT_CHARS:
        return None
    repeated = bool(alt_text) and _words(alt_text) == _words(caption)
    if not (UNMISTAKABLE_CREDIT.search(credit) or (_plausible_credit(credit) and (repeated or has_picture))):
        return None
    return ImageRecord(caption=caption, credit=credit, alt_text=alt_text)


def _without_credit(line, credit):
    """``line`` without a trailing ``(credit)``, for an alt-text line that repeats the whole caption."""
    match = CAPTION_WITH_CREDIT.fullmatch(line)
    return one_line(match["caption"]) if match and one_line(match["credit"]) == credit else line


def _words(text):
    return re.findall(r"\w+", text.casefold())


def _plausible_credit(credit):
    """A bare agency ("Reuters") or a person's name ("Jane Doe", "Luis de la Cruz")."""
    if credit.casefold() in AGENCIES:
        return True
    words = [word for word in credit.split() if word.casefold() not in NAME_PARTICLES]
    return 2 <= len(words) <= 4 and all(
        word[0].isupper() and word.replace(".", "").replace("-", "").replace("'", "").replace("’", "").isalpha()
        for word in words
    )


def _picture_beside(stream, name):
    """
    The picture next to the file with the same stem, as a path relative to the import root, or "".

    Only looks when ``stream`` is a real file (it has a path ``name``); never opens the picture.
    """
    path = getattr(stream, "name", None)
    if not isinstance(path, str | os.PathLike):
        return ""
    story = Path(path)
    for suffix in PICTURE_SUFFIXES:
        for variant in (suffix, suffix.upper()):
            if story.with_suffix(variant).is_file():
                return str(PurePosixPath(name).with_suffix(variant))
    return ""
