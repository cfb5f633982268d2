"""
IPTC ninjs (News in JSON), all three syntaxes and the Superdesk dialect.

* 1.x: flat ``headline`` / ``headline_*``, ``body_html`` and other ``body_*`` keys,
  ``description_*``, ``byline``, ``associations`` and ``renditions`` as objects.
* 2.x: ``headlines[]``, ``bodies[]``, ``descriptions[]`` ({role, contenttype, value}),
  ``by``, ``associations`` and ``renditions`` as arrays.
* 3.x: as 2.x in camelCase: ``pubStatus``, ``embargoedUntil``, ``versionCreated``,
  ``contentType``, ``copyrightHolder``, ``usageTerms``.
* Superdesk: ``guid`` instead of ``uri``, ``+0000`` offsets, ``authors[]``, ``keywords``,
  ``featuremedia`` / ``editor_N`` associations; ``version`` may be an integer.

The syntax is read from the shape of each item (arrays or flat keys, either spelling),
so items of different versions may share a file. A file may hold one item, an array of
items, a feed wrapper (``{"data": {"items": [...]}}``) or JSON lines.

Mapping: ``uri`` (or ``guid``) is the external id; ``pubstatus`` usable → published,
withheld → draft and restricted, canceled → withdrawn, absent → None (the loader
decides); ``embargoed``/``embargoedUntil`` → embargo_until; ``firstcreated`` → published_at
and ``versioncreated`` → updated_at. Picture and graphic associations become images
(the one named mainpic/featuremedia, else the first, is the lead). Only text and composite
items are articles: pictures, audio, video, events and planning items yield nothing.
``people`` and ``organisations`` say who a story is about, not who is quoted, so they
do not become sources. A NITF body (by its content type, as ``body_xml``, or markup that
starts like a NITF document) is read by ``nitf.body_from_nitf`` when there is no HTML body;
its quotes (``bq`` with a credit, ``q`` with a quote-source) come with it, while the
headline, ids and pictures remain the item's own.
"""

import io
import json
import re

from .jsonl import describe_json_error, json_lines
from .nitf import body_from_nitf
from .records import (
    ArticleRecord,
    BylineRecord,
    FormatError,
    ImageRecord,
    InvalidRecord,
    RecordError,
    clean_body,
    headline_text,
    html_to_text,
    is_web_url,
    one_line,
    paragraphs_html,
    parse_timestamp,
    split_byline,
)

# A single JSON document must be read whole; bigger feeds should come as JSON lines.
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
ARTICLE_TYPES = {"text", "composite", "story"}
PICTURE_TYPES = {"picture", "graphic"}
LEAD_NAMES = {"mainpic", "featuremedia", "featureimage", "mainimage", "main"}
BEST_RENDITIONS = ("original", "baseImage", "highres", "highRes", "viewImage", "main")
HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xhtml+html", "xhtml/xml", "html", "xhtml"}
NITF_TYPES = {"text/vnd.iptc.nitf", "application/nitf+xml", "nitf"}
PUBLICATION_STATUS = {
    "usable": ("published", False),
    "withheld": ("draft", True),
    "canceled": ("withdrawn", False),
    "cancelled": ("withdrawn", False),
}
AUTHOR_ROLES = {"photographer": "photos", "editor": "editing", "subeditor": "editing", "analyst": "analysis"}
TAG = re.compile(r"<[a-zA-Z][^>]*>")
# Superdesk marks the pictures (and other media) it places in a body; they arrive again as associations.
SUPERDESK_EMBED = re.compile(
    r"<!-- EMBED START (\w+) \{id: \"([^\"]+)\"\} -->.*?<!-- EMBED END \1 \{id: \"\2\"\} -->", re.S
)


def parse(stream, *, name, origin=None):
    """
    Yield an ``ArticleRecord`` for each text item in ``stream`` (binary) and a ``RecordError`` for each bad one.

    ``origin`` defaults to "ninjs". Raises ``FormatError`` when a JSON document is not
    valid JSON or not UTF-8; a bad line of a JSON-lines file is only a ``RecordError``.
    """
    origin = origin or "ninjs"
    for entry in _items(stream, name=name):
        if isinstance(entry, RecordError):
            yield entry
            continue
        location, item = entry
        try:
            record = _article(item, origin=origin, location=location)
        except InvalidRecord as problem:
            yield RecordError(location, str(problem))
            continue
        if record is not None:
            yield record


def _items(stream, *, name):
    """``(location, item)`` per ninjs object in the file, or a ``RecordError`` for an entry that is not one."""
    if name.lower().endswith((".jsonl", ".ndjson")):
        yield from json_lines(stream, name=name)
        return
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise FormatError(name, f"larger than {MAX_DOCUMENT_BYTES:,} bytes; deliver big feeds as JSON lines")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as problem:
        raise FormatError(name, f"not UTF-8 (invalid byte at offset {problem.start})") from None
    except json.JSONDecodeError as problem:
        if problem.msg == "Extra data":  # one object per line in a .json file
            yield from json_lines(io.BytesIO(data), name=name)
            return
        raise FormatError(f"{name}:{problem.lineno}", describe_json_error(problem)) from None
    except RecursionError:
        raise FormatError(name, "invalid JSON: nested too deeply") from None
    items = _unwrap(document)
    for number, item in enumerate(items, 1):
        location = name if len(items) == 1 else f"{name}: item {number}"
        if isinstance(item, dict):
            yield location, item
        else:
            yield RecordError(location, "expected a ninjs object")


def _unwrap(document):
    """The items of a document: itself, the elements of an array, or the contents of a feed wrapper."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and not ({"uri", "guid"} & document.keys()):
        for key in ("data", "items", "item"):
            if isinstance(document.get(key), dict | list):
                return _unwrap(document[key])
    return [document]


def _article(item, *, origin, location):
    """The ``ArticleRecord`` for one ninjs item, or None when the item is not an article."""
    if (_string(item, "type") or "text") not in ARTICLE_TYPES:
        return None
    external_id = _text(item, "uri") or _text(item, "guid")
    if not external_id:
        raise InvalidRecord("missing required field 'uri' (or Superdesk's 'guid')")
    headline = headline_text(_headline(item) or _text(item, "title"))
    if not headline:
        raise InvalidRecord("missing headline ('headline', 'headline_*' or 'headlines')")
    status, restricted = PUBLICATION_STATUS.get(_text(item, "pubstatus", "pubStatus").lower(), (None, False))
    created = _time(item, "firstpublished") or _time(item, "firstcreated", "firstCreated")
    body, quotes = _body(item)
    updated = _time(item, "versioncreated", "versionCreated")
    return ArticleRecord(
        origin=origin,
        external_id=external_id,
        headline=headline,
        standfirst=_description(item),
        body_html=body,
        tags=_keywords(item),
        bylines=_bylines(item),
        status=status,
        restricted=restricted,
        published_at=created or updated,
        embargo_until=_time(item, "embargoed", "embargoedUntil"),
        updated_at=updated,
        version=_version(item),
        images=_images(item),
        quotes=quotes,
        location=location,
    )


def _get(item, *keys, default=None):
    """The value of the first of ``keys`` (1.x/2.x spelling first, then 3.x) present in ``item``."""
    for key in keys:
        if item.get(key) is not None:
            return item[key]
    return default


def _text(item, *keys):
    """A string property, stripped; "" when absent. Anything else is an ``InvalidRecord`` naming it."""
    value = _get(item, *keys, default="")
    if not isinstance(value, str):
        raise InvalidRecord(f"{keys[0]}: expected a string, got {type(value).__name__}")
    return value.strip()


def _time(item, *keys):
    """The first of ``keys`` present as a UTC time; dialects' date-only and offset-less values count as UTC."""
    key = next((key for key in keys if item.get(key) is not None), None)
    return parse_timestamp(item[key], field_name=key, assume_utc=True) if key else None


def _version(item):
    """The item's version as text (Superdesk and AP send integers); "" when absent."""
    version = item.get("version")
    if isinstance(version, bool) or not isinstance(version, str | int):
        return ""
    return str(version).strip()


def _entries(item, key):
    """The 2.x/3.x ``headlines``/``bodies``/``descriptions`` array as (role, content type, value) triples."""
    entries = item.get(key)
    if not isinstance(entries, list):
        return []
    return [
        (entry.get("role") or "", str(_get(entry, "contenttype", "contentType", default="")).lower(), entry["value"])
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("value"), str)
    ]


def _flat(item, prefix):
    """The 1.x ``<prefix>`` and ``<prefix>_*`` string properties as (suffix, value) pairs, in file order."""
    return [
        (key.removeprefix(prefix).lstrip("_"), value)
        for key, value in item.items()
        if (key == prefix or key.startswith(f"{prefix}_")) and isinstance(value, str)
    ]


def _headline(item):
    """The main headline: role main (or none) in ``headlines``, else ``headline``/``headline_*``."""
    entries = _entries(item, "headlines")
    if entries:
        role, content_type, value = next((entry for entry in entries if entry[0] in ("", "main")), entries[0])
        return html_to_text(value) if content_type in HTML_TYPES else value
    flat = dict(_flat(item, "headline"))
    return flat.get("") or flat.get("main") or next(iter(flat.values()), "")


def _description(item, roles=("", "summary", "abstract", "text", "main", "caption")):
    """A description (the standfirst of a story, the caption of a picture) as plain text."""
    entries = _entries(item, "descriptions") or [
        (suffix, "text/html" if suffix in ("html", "richtext", "xhtml") else "text/plain", value)
        for suffix, value in _flat(item, "description")
        if suffix != "creditline"
    ]
    wanted = [entry for entry in entries if entry[0] in roles] or entries
    plain = [value for role, content_type, value in wanted if content_type in ("", "text/plain")]
    if plain:
        return one_line(plain[0])
    return html_to_text(wanted[0][2]) if wanted else ""


def _body(item):
    """
    ``(sanitised body HTML, quotes)``: an HTML body if there is one, else a NITF body, else
    plain text turned into paragraphs. Only a NITF body brings quotes.
    """
    entries = [
        (_body_type(content_type, value), value) for _role, content_type, value in _entries(item, "bodies")
    ] or [(_flat_body_type(suffix, value), value) for suffix, value in _flat(item, "body")]
    for content_type, value in entries:
        if content_type in HTML_TYPES or (not content_type and TAG.search(value)):
            return clean_body(SUPERDESK_EMBED.sub("", value)), []
    for content_type, value in entries:
        if content_type in NITF_TYPES:
            return body_from_nitf(value)
    for content_type, value in entries:
        if content_type in ("", "text/plain"):
            return clean_body(paragraphs_html(_paragraphs(value))), []
    if entries:
        raise InvalidRecord(f"the body is {entries[0][0]}, which this importer cannot read yet")
    return "", []


def _body_type(content_type, value):
    """The content type of a ``bodies`` entry; one without any is NITF when its markup starts like NITF."""
    return "application/nitf+xml" if not content_type and _looks_like_nitf(value) else content_type


def _flat_body_type(suffix, value):
    """The content type a 1.x ``body_<suffix>`` property stands for."""
    if suffix in ("html", "richtext", "xhtml"):
        return "text/html"
    if suffix == "xml" or _looks_like_nitf(value):
        return "application/nitf+xml"
    return "" if suffix not in ("text", "plain") else "text/plain"


def _looks_like_nitf(value):
    """True for markup that starts as a NITF document does (an XML declaration, or the ``<nitf>`` element)."""
    return value.lstrip().startswith(("<nitf", "<?xml"))


def _paragraphs(text):
    """Paragraphs of a plain-text body: blank-line separated, or one per line when there are no blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [one_line(part) for part in parts if part.strip()]


def _bylines(item):
    """Superdesk's ``authors`` when present, else the free-text ``byline`` / ``by`` split into names."""
    authors = item.get("authors")
    if isinstance(authors, list) and authors:
        return [
            BylineRecord(
                name=one_line(author["name"]), role=AUTHOR_ROLES.get(str(author.get("role")).lower(), "reporting")
            )
            for author in authors
            if isinstance(author, dict) and isinstance(author.get("name"), str) and author["name"].strip()
        ]
    return [BylineRecord(name=name) for name in split_byline(_text(item, "byline", "by"))]


def _keywords(item):
    """Superdesk's and AP's ``keywords`` as tags, without repeats (IPTC ninjs has none)."""
    keywords = item.get("keywords")
    if not isinstance(keywords, list):
        return []
    return list(dict.fromkeys(one_line(word) for word in keywords if isinstance(word, str) and word.strip()))


def _images(item):
    """An ``ImageRecord`` per picture or graphic association; one of them is the lead."""
    pictures = [
        (name, association)
        for name, association in _associations(item)
        if isinstance(association, dict) and _string(association, "type") in PICTURE_TYPES
    ]
    images = [_image(association) for _name, association in pictures]
    lead = next((index for index, (name, _) in enumerate(pictures) if name in LEAD_NAMES), 0)
    if images:
        images[lead].lead = True
    return images


def _associations(item):
    """(name, association) pairs from the 1.x object or the 2.x/3.x array."""
    associations = item.get("associations")
    if isinstance(associations, dict):
        return list(associations.items())
    if isinstance(associations, list):
        return [(_string(entry, "name"), entry) for entry in associations if isinstance(entry, dict)]
    return []


def _image(picture):
    """An ``ImageRecord`` for a picture association: caption, credit, photographer, best url."""
    photographer = one_line(_string(picture, "byline", "by") or _string(picture.get("photographer") or {}, "name"))
    return ImageRecord(
        url=_best_rendition(picture),
        caption=_description(picture, roles=("", "caption", "text", "main", "summary")),
        credit=one_line(
            _string(picture, "description_creditline", "creditline", "copyrightholder", "copyrightHolder")
            or photographer
        ),
        alt_text=one_line(_string(picture, "alt_text", "altText") or _headline(picture)),
        photographer=photographer,
        usage_terms=one_line(_string(picture, "usageterms", "usageTerms")),
    )


def _string(item, *keys):
    """Like ``_text`` but lenient: inside an association a property of the wrong type is just ignored."""
    value = _get(item, *keys, default="") if isinstance(item, dict) else ""
    return value if isinstance(value, str) else ""


def _best_rendition(picture):
    """The href of the preferred rendition (original, baseImage, ...) or else the largest; only http(s)."""
    renditions = picture.get("renditions")
    if isinstance(renditions, dict):
        renditions = [{"name": name, **value} for name, value in renditions.items() if isinstance(value, dict)]
    if not isinstance(renditions, list):
        return ""
    usable = [each for each in renditions if isinstance(each, dict) and is_web_url(_string(each, "href"))]
    by_name = {_string(each, "name"): each for each in usable}
    preferred = next((by_name[name] for name in BEST_RENDITIONS if name in by_name), None)
    best = preferred or max(usable, key=_area, default=None)
    return best["href"].strip() if best else ""


def _area(rendition):
    try:
        return int(rendition.get("width") or 0) * int(rendition.get("height") or 0)
    except (TypeError, ValueError):
        return 0
