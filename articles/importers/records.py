"""
The records every import parser yields, and the field rules they all share.

A parser turns one input file into ``ArticleRecord`` objects (one per story)
and ``RecordError`` objects (one per story it could not read), and raises
``FormatError`` only when the whole file is unusable. Records are plain
dataclasses: no database, no Django models. The loader writes them later.

The helpers below hold the rules that must not differ between formats:
whitespace and bidi controls in one-line fields, the size limits, HTML
sanitising, and what counts as a valid time.
"""

import hashlib
import html
import json
import re
from dataclasses import dataclass, field, is_dataclass
from datetime import UTC, datetime
from html import escape
from typing import Literal
from urllib.parse import urlsplit

import nh3

from articles.sanitize import clean_html

MAX_HEADLINE_CHARS = 1_000
MAX_BODY_BYTES = 5 * 1024 * 1024

BYLINE_ROLES = ("reporting", "additional-reporting", "analysis", "photos", "editing")
SOURCE_KINDS = ("person", "organisation", "group", "document")
STATUSES = ("draft", "published", "withdrawn")

Status = Literal["draft", "published", "withdrawn"] | None

# What surrounds a quote's words in a blockquote (its marks) and leads or trails its
# attribution ("— Ana Ruiz"), stripped when the words and the speaker become a quote.
QUOTE_MARKS = "\"'“”‘’„«»‹› "
DASHES = "—–―-~ ,"
# Bidi embedding/override (U+202A–U+202E) and isolate (U+2066–U+2069) controls can make a
# headline read differently from what it says; C0 controls have no place in a one-line field.
_INVISIBLE = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_CONTROLS = dict.fromkeys([*range(0x00, 0x20), 0x7F], " ")
_BLOCK_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote|figcaption|td|th)\s*>", re.IGNORECASE)
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>")
_TEXT_ONLY = nh3.Cleaner(tags=set())


class FormatError(Exception):
    """The whole file is unusable (not XML, not UTF-8, not JSON...); nothing can be read from it."""

    def __init__(self, location, reason):
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason


class InvalidRecord(Exception):
    """Raised inside a parser for one bad record; the parser yields it as a ``RecordError``."""


@dataclass
class RecordError:
    """One record that could not be read: where it is (``feed.jsonl:12``, ``export.xml: item 7``) and why."""

    location: str
    reason: str

    def __str__(self):
        return f"{self.location}: {self.reason}"


@dataclass
class BylineRecord:
    """A name in the byline; ``role`` is one of ``BYLINE_ROLES``."""

    name: str
    role: str = "reporting"


@dataclass
class ImageRecord:
    """A picture: ``file`` is a path relative to the input, ``url`` a remote address (fetched only on request)."""

    file: str = ""
    url: str = ""
    caption: str = ""
    credit: str = ""
    alt_text: str = ""
    photographer: str = ""
    usage_terms: str = ""
    lead: bool = False


@dataclass
class QuoteRecord:
    """Words a named speaker said in the story; ``pull`` sets them apart in large type."""

    text: str
    speaker: str
    role: str = ""
    organisation: str = ""
    pull: bool = False
    context: str = ""


@dataclass
class SourceRecord:
    """A person or body the story relies on; a confidential one is shown only by its public label."""

    name: str
    role: str = ""
    organisation: str = ""
    kind: str = "person"
    confidential: bool = False
    public_label: str = ""


@dataclass
class CorrectionRecord:
    """A correction, clarification or update appended to the story, with when it was made."""

    kind: str
    text: str
    at: datetime | None = None


@dataclass
class ArticleRecord:
    """
    One story as read from an input file.

    ``status`` is None when the input says nothing about it. ``restricted`` marks
    stories the input keeps from the public (private, password-protected, withheld):
    they always come with status "draft" and must never be published by an import.
    ``body_html`` is already sanitised. Times are timezone-aware (UTC) or None.
    """

    origin: str
    external_id: str
    headline: str
    slug: str = ""
    standfirst: str = ""
    body_html: str = ""
    section: str = ""
    tags: list[str] = field(default_factory=list)
    bylines: list[BylineRecord] = field(default_factory=list)
    status: Status = None
    restricted: bool = False
    published_at: datetime | None = None
    embargo_until: datetime | None = None
    updated_at: datetime | None = None
    version: str = ""
    images: list[ImageRecord] = field(default_factory=list)
    quotes: list[QuoteRecord] = field(default_factory=list)
    sources: list[SourceRecord] = field(default_factory=list)
    corrections: list[CorrectionRecord] = field(default_factory=list)
    location: str = ""

    @property
    def fingerprint(self):
        """
        A sha256 hex digest of everything the record says about the story (not where it was read from).

        Identical content gives the same digest on every run and machine, so the loader
        can recognise an unchanged story without comparing rows.
        """
        content = dict(vars(self))
        del content["location"]
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value):
    """
    A record's nested value as JSON takes it: a dataclass as its fields (as ``asdict`` gives them,
    without copying them first), a time in UTC.
    """
    if is_dataclass(value):
        return vars(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"{type(value).__name__} is not part of a record")


def one_line(text):
    """``text`` on one line: whitespace runs collapsed, control and bidi override characters removed."""
    if not text:
        return ""
    if text.isprintable():  # no control or bidi character in it (the usual case): only the spaces to tidy
        return " ".join(text.split())
    return " ".join(text.translate(_CONTROLS).translate(_INVISIBLE).split())


def shorten(text, width=60):
    """``text`` cut to ``width`` characters for an error message, so a hostile value is never echoed whole."""
    text = str(text)
    return text if len(text) <= width else f"{text[: width - 1]}…"


def headline_text(text):
    """The headline on one line; ``InvalidRecord`` if absurdly long. May be "", which the caller rejects."""
    headline = one_line(text)
    if len(headline) > MAX_HEADLINE_CHARS:
        raise InvalidRecord(f"headline is {len(headline):,} characters long; the limit is {MAX_HEADLINE_CHARS:,}")
    return headline


def check_body_size(markup):
    """Raise ``InvalidRecord`` when a body is over the 5 MB limit; call it before any costly processing."""
    size = len(markup.encode()) if markup else 0
    if size > MAX_BODY_BYTES:
        raise InvalidRecord(f"body is {size:,} bytes; the limit is {MAX_BODY_BYTES:,} (5 MB)")


def clean_body(markup):
    """Body HTML as stored: size-checked, sanitised by ``clean_html``, empty paragraphs dropped."""
    check_body_size(markup)
    return _EMPTY_PARAGRAPH.sub("", clean_html(markup)).strip()


def html_to_text(markup):
    """The text of an HTML fragment on one line: tags removed, entities unescaped exactly once."""
    if not markup:
        return ""
    spaced = _BLOCK_BREAK.sub(" ", markup)
    return one_line(html.unescape(_TEXT_ONLY.clean(spaced)))


def split_byline(text):
    """
    Names in a free-text byline, split conservatively.

    "By Paulo Santalucia and Frances d'Emilio" gives two names; "A, B and C" three;
    a byline without "and" stays whole ("Aaron Staples, Michigan State University"
    is one person with an affiliation). A trailing agency in parentheses is dropped.
    """
    text = re.sub(r"^by\s+", "", one_line(text), flags=re.IGNORECASE)
    text = re.sub(r"\s*\([^()]*\)$", "", text)
    if not re.search(r"\s(?:and|&)\s", text):
        return [text] if text else []
    return [name for name in map(one_line, re.split(r",|\s(?:and|&)\s", text)) if name]


def is_web_url(value):
    """True for an absolute http(s) address, the only kind of link an import may carry."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # such as "http://[not-an-ipv6"
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def paragraphs_html(paragraphs):
    """Plain-text paragraphs as ``<p>`` elements, HTML-escaped."""
    return "".join(f"<p>{escape(paragraph, quote=False)}</p>" for paragraph in paragraphs if paragraph)


def parse_timestamp(value, *, field_name, assume_utc=False):
    """
    An ISO 8601 time (``Z``, ``+02:00``, ``+0000``, compact or date-only) as an aware UTC datetime.

    None or "" gives None. A time without an offset is an ``InvalidRecord`` naming
    the field, unless ``assume_utc`` (for formats whose dialects routinely omit it).
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidRecord(f"{field_name}: expected an ISO 8601 time, got {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRecord(f"{field_name}: not an ISO 8601 time: {shorten(value)!r}") from None
    if moment.tzinfo is None:
        if not assume_utc:
            raise InvalidRecord(f"{field_name}: {shorten(value)!r} has no UTC offset (add Z or +HH:MM)")
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
