"""
Newsroom's own import format: JSON Lines, one story per line.

A line looks like::

    {"external_id": "gazette-1041", "headline": "Harbour bridge reopens", "body_html": "<p>…</p>",
     "status": "published", "published_at": "2024-05-06T07:00:00+02:00",
     "authors": [{"name": "Maria Okafor", "role": "reporting"}], "tags": ["harbour"]}

Required keys: ``external_id`` and ``headline``. Optional: ``origin``, ``slug``,
``standfirst``, ``body_html``, ``section``, ``tags``, ``authors`` ({name, role}),
``status`` (draft | published | withdrawn), ``restricted``, ``published_at``,
``embargo_until``, ``updated_at``, ``version``, ``images`` ({file, url, caption, credit,
alt_text, photographer, usage_terms, lead}), ``quotes`` ({text, speaker, role,
organisation, pull, context}), ``sources`` ({name, role, organisation, kind,
confidential, public_label}) and ``corrections`` ({kind, text, at}). Times are ISO 8601
with a UTC offset. Image files are paths relative to the input file.

Blank lines are skipped. A line that is not UTF-8, not JSON or breaks a rule becomes a
``RecordError`` naming its line, and parsing carries on. ``dump`` writes the format.
"""

import json
from pathlib import PurePosixPath

from .records import (
    BYLINE_ROLES,
    MAX_BODY_BYTES,
    SOURCE_KINDS,
    STATUSES,
    ArticleRecord,
    BylineRecord,
    CorrectionRecord,
    ImageRecord,
    InvalidRecord,
    QuoteRecord,
    RecordError,
    SourceRecord,
    clean_body,
    headline_text,
    is_web_url,
    one_line,
    parse_timestamp,
    shorten,
)

# A line holds one story, so it may be as long as the largest body plus its metadata.
MAX_LINE_BYTES = MAX_BODY_BYTES + 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"


def parse(stream, *, name, origin=None):
    """
    Yield an ``ArticleRecord`` or a ``RecordError`` for each non-blank line of ``stream`` (binary).

    ``origin``, when given, replaces the origin the lines carry (default "jsonl").
    Reads one line at a time, so memory does not grow with the file.
    """
    for entry in json_lines(stream, name=name):
        if isinstance(entry, RecordError):
            yield entry
            continue
        location, data = entry
        try:
            yield _article(_Fields(data), origin=origin, location=location)
        except InvalidRecord as problem:
            yield RecordError(location, str(problem))


def json_lines(stream, *, name):
    """
    ``(location, object)`` for each non-blank line of a JSON Lines stream, read one line at a time.

    A line that is too long, not UTF-8, not JSON or not an object comes back as a ``RecordError``.
    """
    for number, line in _numbered_lines(stream):
        location = f"{name}:{number}"
        try:
            data = _decode(line, first=number == 1)
        except InvalidRecord as problem:
            yield RecordError(location, str(problem))
            continue
        if data is not None:
            yield location, data


def dump(records):
    """One JSON line (newline included) per ``ArticleRecord``, in the format ``parse`` reads back."""
    for record in records:
        yield json.dumps(_as_line(record), ensure_ascii=False) + "\n"


def _numbered_lines(stream):
    """``(number, bytes)`` per line; a line over ``MAX_LINE_BYTES`` is skipped and comes back as None."""
    number = 0
    while line := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) <= MAX_LINE_BYTES:
            yield number, line
            continue
        if not line.endswith(b"\n"):
            while (rest := stream.readline(1024 * 1024)) and not rest.endswith(b"\n"):
                pass
        yield number, None


def _decode(line, *, first):
    """The JSON object on ``line``, None for a blank line, or ``InvalidRecord``."""
    if line is None:
        raise InvalidRecord(f"line is longer than {MAX_LINE_BYTES:,} bytes")
    if first:
        line = line.removeprefix(UTF8_BOM)
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise InvalidRecord(f"invalid UTF-8 (byte {problem.start + 1} of the line)") from None
    if not text.strip():
        return None
    try:
        data = json.loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as problem:
        raise InvalidRecord(describe_json_error(problem)) from None
    except RecursionError:
        raise InvalidRecord("invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise InvalidRecord(f"expected a JSON object, got {_json_type(data)}")
    return data


def describe_json_error(problem):
    """A ``JSONDecodeError`` as a short reason, such as "invalid JSON: Expecting ',' delimiter at column 12"."""
    return f"invalid JSON: {problem.msg.removesuffix(' at')} at column {problem.colno}"


def _article(fields, *, origin, location):
    """The ``ArticleRecord`` for one line's object; ``InvalidRecord`` naming the first bad field."""
    external_id = fields.identifier("external_id", required=True)
    headline = headline_text(fields.text("headline", required=True))
    if not headline:
        raise InvalidRecord("missing required field 'headline'")
    status = fields.choice("status", STATUSES, default=None)
    restricted = fields.flag("restricted")
    if restricted and status == "published":
        raise InvalidRecord("restricted: a restricted story cannot have status 'published'")
    return ArticleRecord(
        origin=origin or fields.text("origin").strip() or "jsonl",
        external_id=external_id,
        headline=headline,
        slug=fields.text("slug").strip(),
        standfirst=one_line(fields.text("standfirst")),
        body_html=clean_body(fields.text("body_html")),
        section=one_line(fields.text("section")),
        tags=[tag for tag in map(one_line, fields.strings("tags")) if tag],
        bylines=[_byline(each) for each in fields.objects("authors")],
        status=status,
        restricted=restricted,
        published_at=fields.timestamp("published_at"),
        embargo_until=fields.timestamp("embargo_until"),
        updated_at=fields.timestamp("updated_at"),
        version=fields.identifier("version"),
        images=[_image(each) for each in fields.objects("images")],
        quotes=[_quote(each) for each in fields.objects("quotes")],
        sources=[_source(each) for each in fields.objects("sources")],
        corrections=[_correction(each) for each in fields.objects("corrections")],
        location=location,
    )


def _byline(fields):
    """A ``BylineRecord`` from an ``authors`` entry."""
    return BylineRecord(
        name=one_line(fields.text("name", required=True)),
        role=fields.choice("role", BYLINE_ROLES, default="reporting"),
    )


def _image(fields):
    """An ``ImageRecord`` from an ``images`` entry: a relative file and/or an http(s) url."""
    return ImageRecord(
        file=fields.relative_path("file"),
        url=fields.web_url("url"),
        caption=one_line(fields.text("caption")),
        credit=one_line(fields.text("credit")),
        alt_text=one_line(fields.text("alt_text")),
        photographer=one_line(fields.text("photographer")),
        usage_terms=one_line(fields.text("usage_terms")),
        lead=fields.flag("lead"),
    )


def _quote(fields):
    """A ``QuoteRecord`` from a ``quotes`` entry; text and speaker are required."""
    return QuoteRecord(
        text=one_line(fields.text("text", required=True)),
        speaker=one_line(fields.text("speaker", required=True)),
        role=one_line(fields.text("role")),
        organisation=one_line(fields.text("organisation")),
        pull=fields.flag("pull"),
        context=one_line(fields.text("context")),
    )


def _source(fields):
    """A ``SourceRecord``; a confidential source needs its public label, as in the newsroom."""
    source = SourceRecord(
        name=one_line(fields.text("name", required=True)),
        role=one_line(fields.text("role")),
        organisation=one_line(fields.text("organisation")),
        kind=fields.choice("kind", SOURCE_KINDS, default="person"),
        confidential=fields.flag("confidential"),
        public_label=one_line(fields.text("public_label")),
    )
    if source.confidential and not source.public_label:
        raise InvalidRecord(f"{fields.prefix}public_label: a confidential source needs a public label")
    return source


def _correction(fields):
    """A ``CorrectionRecord``; its kind defaults to "correction"."""
    return CorrectionRecord(
        kind=one_line(fields.text("kind")) or "correction",
        text=one_line(fields.text("text", required=True)),
        at=fields.timestamp("at"),
    )


class _Fields:
    """Typed reads from one JSON object; every problem is an ``InvalidRecord`` that names the field."""

    def __init__(self, data, prefix=""):
        self.data = data
        self.prefix = prefix

    def _missing(self, key):
        return InvalidRecord(f"missing required field '{self.prefix}{key}'")

    def _wrong_type(self, key, expected, value):
        return InvalidRecord(f"{self.prefix}{key}: expected {expected}, got {_json_type(value)}")

    def text(self, key, *, required=False):
        """A string; "" when absent or null, which ``required`` makes an error."""
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise self._missing(key)
            return ""
        if not isinstance(value, str):
            raise self._wrong_type(key, "a string", value)
        return value

    def identifier(self, key, *, required=False):
        """A string or an integer, as a string without surrounding whitespace."""
        value = self.data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if value is not None and not isinstance(value, str):
            raise self._wrong_type(key, "a string or an integer", value)
        value = (value or "").strip()
        if not value and required:
            raise self._missing(key)
        return value

    def flag(self, key):
        """true or false, False when absent."""
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise self._wrong_type(key, "true or false", value)
        return value

    def choice(self, key, choices, *, default):
        """One of ``choices``, or ``default`` when absent."""
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if value not in choices:
            raise InvalidRecord(f"{self.prefix}{key}: {shorten(value)!r} is not one of {', '.join(choices)}")
        return value

    def timestamp(self, key):
        """An aware UTC datetime or None; a time without an offset is an error."""
        return parse_timestamp(self.data.get(key), field_name=f"{self.prefix}{key}")

    def strings(self, key):
        """A list of strings, [] when absent."""
        values = self.data.get(key) or []
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise self._wrong_type(key, "a list of strings", values)
        return values

    def objects(self, key):
        """A list of objects, each wrapped so that its errors name it (``images[2].url``)."""
        values = self.data.get(key) or []
        if not isinstance(values, list):
            raise self._wrong_type(key, "a list of objects", values)
        for index, value in enumerate(values):
            if not isinstance(value, dict):
                raise self._wrong_type(f"{key}[{index}]", "an object", value)
        return [_Fields(value, prefix=f"{self.prefix}{key}[{index}].") for index, value in enumerate(values)]

    def relative_path(self, key):
        """A path inside the import folder: relative, without ``..``; backslashes count as separators."""
        value = self.text(key).strip().replace("\\", "/")
        path = PurePosixPath(value)
        if value and (path.is_absolute() or ".." in path.parts or ":" in path.parts[0]):
            raise InvalidRecord(f"{self.prefix}{key}: {shorten(value)!r} must be a relative path inside the import")
        return value

    def web_url(self, key):
        """An absolute http(s) address, or ""."""
        value = self.text(key).strip()
        if value and not is_web_url(value):
            raise InvalidRecord(f"{self.prefix}{key}: {shorten(value)!r} is not an http(s) address")
        return value


def _json_type(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def _iso(moment):
    return moment.isoformat() if moment else None


def _as_line(record):
    """The JSON object for one record, leaving out empty values (``parse`` restores them as defaults)."""
    line = {
        "origin": record.origin,
        "external_id": record.external_id,
        "headline": record.headline,
        "slug": record.slug,
        "standfirst": record.standfirst,
        "body_html": record.body_html,
        "section": record.section,
        "tags": record.tags,
        "authors": [{"name": byline.name, "role": byline.role} for byline in record.bylines],
        "status": record.status,
        "restricted": record.restricted,
        "published_at": _iso(record.published_at),
        "embargo_until": _iso(record.embargo_until),
        "updated_at": _iso(record.updated_at),
        "version": record.version,
        "images": [vars(image) for image in record.images],
        "quotes": [vars(quote) for quote in record.quotes],
        "sources": [vars(source) for source in record.sources],
        "corrections": [{"kind": each.kind, "text": each.text, "at": _iso(each.at)} for each in record.corrections],
    }
    return {key: value for key, value in line.items() if value not in (None, "", [], False)}
