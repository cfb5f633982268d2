"""
IPTC NITF 3.x files: one ``<nitf>`` document, or several under a wrapper element.

Each document becomes an ``ArticleRecord``:

* ``head/docdata/doc-id/@id-string`` is the external id; the origin is "nitf:" + the
  registering source (``doc-id/@regsrc``, such as an agency), else "nitf", so that two
  agencies' ids never clash. A file holding one document without a doc-id is keyed by its
  path relative to the import root, as a text file is (origin "nitf-file"); a document
  without one among several is a ``RecordError``: with no key, importing it again would
  duplicate it. ``du-key/@version`` (else a ``version`` on the doc-id) is the version;
* ``body.head/hedline/hl1`` is the headline, else ``head/title``; ``body.head/abstract``
  is the standfirst, else ``hedline/hl2``;
* each ``body.head/byline`` gives its ``<person>``s as names, or else its text, without
  "By " and the ``<byttl>`` (a job title), split at "and" and commas ("A, B and C");
* ``key-list/keyword/@key`` are tags; ``pubdata/@position.section`` (else
  ``<meta name="section">``) is the section; subject codes are not read;
* ``docdata/@management-status``: usable → published; embargoed → published with its
  embargo; withheld → draft and restricted; canceled → withdrawn; absent → None (the
  loader decides). A canceled document that names the one it cancels
  (``@management-doc-idref``, a kill notice with an id of its own) withdraws that story;
  any other document naming an earlier one is a story of its own. An embargoed document
  without a release time is a draft: nobody can say when it may go out;
* times are the compact ISO 8601 ``norm`` attributes (``20020225T143000-0500``, or a date
  alone), in UTC when they carry no offset. ``date.issue`` is when the story last changed
  and, unless ``dateline/story.date`` says otherwise, when it was published;
  ``date.release`` is the embargo when the document is embargoed or is released later
  than it was issued (a release time no later than the issue is no embargo);
* ``body.content`` is the body: ``p`` → ``<p>``, ``hl2`` → ``<h2>``, lists, ``pre``,
  tables (their rows and cells only), ``bq`` → ``<blockquote>`` with its ``credit`` as a
  ``<cite>``, ``q`` → its words in quotation marks, ``em``/``strong`` and http(s) links
  kept, other inline markup (``person``, ``org``, ``location``...) as its text, loose
  text as paragraphs; ``block``s give what they hold. ``media`` and ``note``s (advisories
  to editors) are left out; ``body.end`` taglines close the body in italics;
* each ``media`` of type image is an ``ImageRecord`` (the first is the lead): the
  ``media-reference`` source is the ``url`` when it is an http(s) address and the ``file``
  when it is a path (relative to the input; the loader refuses one that leads out of the
  images folder), and neither for any other scheme; ``alternate-text`` is the alt text,
  ``media-caption`` the caption and ``media-producer`` the credit;
* a ``bq`` with a ``credit`` or ``quote-source``, and a ``q`` with a ``quote-source``, is a
  ``QuoteRecord`` (the loader makes its speaker a source). ``person`` and ``org`` say who a
  story mentions, not who it quotes: they become neither.

The file is read whole (up to ``MAX_FILE_BYTES``) and parsed as bytes, so its XML
declaration's encoding is honoured. HTML named entities (``&nbsp;``, ``&eacute;``), which
only the NITF DTD would define, are turned into character references first; the DTD
itself is never loaded, no entity is expanded and nothing is fetched. A document that
declares entities of its own in its DOCTYPE is refused: NITF never needs them, and
entity-expansion and external-entity attacks rely on them. A file that is not
well-formed (cut short, or not in the encoding it declares) is refused whole: unlike a
WordPress export of thousands of posts, whose readable ones are recovered, it is a story
or a few, which an agency sends again, and a damaged one may have lost its end.

``body_from_nitf`` reads a NITF body carried by another format (a ninjs item).
"""

import re
from html import escape
from html.entities import html5

from lxml import etree

from .records import (
    DASHES,
    QUOTE_MARKS,
    ArticleRecord,
    BylineRecord,
    FormatError,
    ImageRecord,
    InvalidRecord,
    QuoteRecord,
    RecordError,
    check_body_size,
    clean_body,
    headline_text,
    html_to_text,
    is_web_url,
    one_line,
    parse_timestamp,
    split_byline,
)

# A NITF file holds one story (a few under a wrapper), and a story's body is at most 5 MB.
MAX_FILE_BYTES = 16 * 1024 * 1024

PARSER_OPTIONS = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "remove_comments": True,
    "remove_pis": True,
}
# Comments, CDATA sections and the DOCTYPE are skipped (group 1 is None): an entity there is
# not a reference. One left unclosed runs to the end, so that no byte is scanned twice.
ENTITY_REFERENCE = re.compile(
    rb"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<!DOCTYPE[^\[>]*(?:\[.*?(?:\]\s*>|\Z)|>|\Z)"
    rb"|&([A-Za-z][A-Za-z0-9]*);",
    re.S,
)
XML_ENTITIES = {b"amp", b"lt", b"gt", b"quot", b"apos"}
XML_DECLARATION = re.compile(r"^\s*<\?xml.*?\?>", re.S)
WHOLE_DOCUMENT = re.compile(r"\s*<(?:!DOCTYPE|nitf\b)")
# Two letters or more: "C:\photos\a.jpg" is a (Windows) path, not an address.
URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
SPACES = re.compile(r"[ \t\r\n]+")  # XML's whitespace only: a no-break space stays
BLANK_LINE = re.compile(r"\n[ \t\r]*\n")

MANAGEMENT_STATUS = {
    "usable": ("published", False),
    "embargoed": ("published", False),
    "withheld": ("draft", True),
    "canceled": ("withdrawn", False),
    "cancelled": ("withdrawn", False),
}
INLINE_TAGS = {
    "a",
    "br",
    "chron",
    "classifier",
    "copyrite",
    "em",
    "event",
    "function",
    "lang",
    "location",
    "money",
    "num",
    "object.title",
    "org",
    "person",
    "postaddr",
    "pronounce",
    "q",
    "strong",
    "virtloc",
}
PARAGRAPH_TAGS = {"p": "p", "hl2": "h2", "dt": "p", "dd": "p"}
# Never in the body: pictures (they become images), advisories to editors, a quote's credit
# (its blockquote cites it), table metadata, the heads and end of a document given whole, and
# scripts and styles, which are not NITF and whose text is code, not the story.
LEFT_OUT = {"media", "note", "credit", "nitf-table-metadata", "head", "body.head", "body.end", "script", "style"}
ENTITIES_REFUSED = "refused: it declares entities in its DOCTYPE, which NITF never needs and attacks rely on"


class _Unreadable(Exception):
    """The XML cannot be read: not XML, not well-formed, or it declares entities (``ENTITIES_REFUSED``)."""


def parse(stream, *, name, origin=None):
    """
    Yield an ``ArticleRecord`` per NITF document in ``stream`` (binary) and a ``RecordError`` per bad one.

    ``origin`` defaults to "nitf:" + the document's registering source, else "nitf".
    Raises ``FormatError`` when the file is too big, not well-formed XML, declares entities
    or holds no ``<nitf>`` document.
    """
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FormatError(name, f"larger than {MAX_FILE_BYTES:,} bytes, too big for a NITF file")
    try:
        root = _tree(data)
    except _Unreadable as problem:
        raise FormatError(name, str(problem)) from None
    documents = [root] if root.tag == "nitf" else root.findall(".//nitf")
    if not documents:
        raise FormatError(name, f"not NITF: the root element is <{root.tag}>, and there is no <nitf> in it")
    alone = len(documents) == 1
    for number, document in enumerate(documents, 1):
        location = name if alone else f"{name}: document {number}"
        try:
            yield _article(document, origin=origin, location=location, path_key=name if alone else "")
        except InvalidRecord as problem:
            yield RecordError(location, str(problem))


def body_from_nitf(markup):
    """
    ``(sanitised body HTML, quotes)`` from NITF markup: a whole ``<nitf>`` document, or
    the body elements alone (``<p>``, ``<block>``, a ``<body.content>``...).

    ``InvalidRecord`` when the markup is over the body size limit, not well-formed XML or
    declares entities.
    """
    check_body_size(markup)
    markup = XML_DECLARATION.sub("", markup, count=1)
    if not WHOLE_DOCUMENT.match(markup):
        markup = f"<body.content>{markup}</body.content>"
    try:
        root = _tree(markup.encode())
    except _Unreadable as problem:
        raise InvalidRecord(f"NITF body {problem}") from None
    if root.tag == "nitf":
        return _body(root.findall("body/body.content"), root.findall("body/body.end/tagline"))
    return _body([root])


def _tree(data):
    """
    The root element of XML bytes, its tags without their namespace (NITF 3.3 and later may
    have one). ``_Unreadable`` when it is not XML, declares entities or is not well-formed:
    a damaged file is read in recover mode only to say which of these it is.
    """
    data = ENTITY_REFERENCE.sub(_character_reference, data)
    damage = ""
    try:
        root = etree.fromstring(data, etree.XMLParser(**PARSER_OPTIONS))
    except etree.XMLSyntaxError as problem:
        damage = problem.msg
        try:
            root = etree.fromstring(data, etree.XMLParser(recover=True, **PARSER_OPTIONS))
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            raise _Unreadable(f"not XML: {damage}") from None
    declarations = root.getroottree().docinfo.internalDTD
    if declarations is not None and any(True for _ in declarations.iterentities()):
        raise _Unreadable(ENTITIES_REFUSED)
    if damage:
        raise _Unreadable(f"not well-formed XML ({damage}); a story cut short is not imported")
    for element in root.iter(etree.Element):
        if element.tag.startswith("{"):
            element.tag = element.tag.rpartition("}")[2]
    return root


def _character_reference(match):
    """``&eacute;`` → ``&#233;``: the HTML named entities as numeric references, which need no DTD."""
    name = match[1]
    if name is None or name in XML_ENTITIES:
        return match[0]
    characters = html5.get(name.decode() + ";")
    if characters is None:
        return match[0]
    return "".join(f"&#{ord(character)};" for character in characters).encode()


def _article(document, *, origin, location, path_key=""):
    """The ``ArticleRecord`` for one ``<nitf>`` element; ``path_key`` keys it when it has no doc-id."""
    doc_id = document.find("head/docdata/doc-id")
    external_id = (doc_id.get("id-string") or "").strip() if doc_id is not None else ""
    if not external_id and not path_key:
        raise InvalidRecord(
            "missing doc-id (the id-string of <doc-id> in head/docdata): without it the story has no key, "
            "and importing the file again would duplicate it"
        )
    headline = headline_text(_text(document.find("body/body.head/hedline/hl1")) or _text(document.find("head/title")))
    if not headline:
        raise InvalidRecord("missing headline (<hl1> in body.head/hedline, or the <title> in head)")
    docdata = document.find("head/docdata")
    if docdata is None:
        docdata = etree.Element("docdata")  # nothing said: no status, times, tags or version
    contents = document.findall("body/body.content")
    body, quotes = _body(contents, document.findall("body/body.end/tagline"))
    issued = _norm(docdata.find("date.issue"), "date.issue")
    status, restricted, embargo = _status(docdata, issued)
    killed = (docdata.get("management-doc-idref") or "").strip() if status == "withdrawn" else ""
    return ArticleRecord(
        origin=origin or (_origin(doc_id) if external_id else "nitf-file"),
        external_id=killed or external_id or path_key,
        headline=headline,
        standfirst=_standfirst(document),
        body_html=body,
        section=_section(document),
        tags=_distinct(one_line(keyword.get("key")) for keyword in docdata.iterfind("key-list/keyword")),
        bylines=[BylineRecord(name) for name in _distinct(_byline_names(document))],
        status=status,
        restricted=restricted,
        published_at=_norm(document.find("body/body.head/dateline/story.date"), "story.date") or issued,
        embargo_until=embargo,
        updated_at=issued,
        version=_version(docdata),
        images=_images(contents),
        quotes=quotes,
        location=location,
    )


def _origin(doc_id):
    """ "nitf:" + the registering source of the doc-id (an agency), so agencies' ids cannot clash; else "nitf"."""
    source = one_line(doc_id.get("regsrc"))
    return f"nitf:{source}" if source else "nitf"


def _text(element):
    """The text of an element on one line, "" for None."""
    return one_line("".join(element.itertext())) if element is not None else ""


def _plain(element):
    """The text of an element that may hold paragraphs (an abstract, a caption), on one line."""
    return html_to_text(_blocks(element, [])) if element is not None else ""


def _distinct(values):
    """``values`` without repeats or empty ones, in order."""
    return list(dict.fromkeys(value for value in values if value))


def _norm(element, label):
    """
    The ``norm`` time of a date element in UTC (a time without an offset counts as UTC), None
    without the element; ``InvalidRecord`` naming the attribute when it is unreadable.
    """
    if element is None:
        return None
    return parse_timestamp(element.get("norm"), field_name=f"{label}/@norm", assume_utc=True)


def _status(docdata, issued):
    """
    ``(status, restricted, embargo)`` from the management status, the issue time and the release time.

    The release time is an embargo when the document says it is embargoed, or when it is
    later than the issue; an embargoed document without a release time stays a draft.
    """
    management = (docdata.get("management-status") or "").strip().lower()
    status, restricted = MANAGEMENT_STATUS.get(management, (None, False))
    released = _norm(docdata.find("date.release"), "date.release")
    later = released is not None and issued is not None and released > issued
    embargo = released if management == "embargoed" or later else None
    if management == "embargoed" and embargo is None:
        status = "draft"
    return status, restricted, embargo


def _version(docdata):
    """``du-key/@version``, else a ``version`` on the doc-id; "" when neither says."""
    for path in ("du-key", "doc-id"):
        element = docdata.find(path)
        if element is not None and (element.get("version") or "").strip():
            return element.get("version").strip()
    return ""


def _standfirst(document):
    """The abstract as text, else the second headline (``hl2`` in the hedline)."""
    body_head = document.find("body/body.head")
    if body_head is None:
        return ""
    return _plain(body_head.find("abstract")) or _text(body_head.find("hedline/hl2"))


def _section(document):
    """The desk a document names: ``pubdata/@position.section``, else ``<meta name="section">``."""
    head = document.find("head")
    if head is None:
        return ""
    sections = [pubdata.get("position.section") for pubdata in head.iterfind("pubdata")]
    sections += [meta.get("content") for meta in head.iterfind("meta") if meta.get("name") == "section"]
    return next((one_line(section) for section in sections if section and section.strip()), "")


def _byline_names(document):
    """The names in each ``body.head/byline``: its ``<person>``s, else its text without the title, split up."""
    for byline in document.iterfind("body/body.head/byline"):
        people = [_text(person) for person in byline.iter("person")]
        if people:
            yield from people
            continue
        words = [byline.text or ""]
        for child in byline:
            if child.tag != "byttl":
                words.append("".join(child.itertext()))
            words.append(child.tail or "")
        yield from split_byline("".join(words))


def _images(contents):
    """An ``ImageRecord`` per image ``media`` in the body (not in an editor's note); the first is the lead."""
    images = [
        image
        for content in contents
        for media in content.iter("media")
        if (media.get("media-type") or "").strip().lower() == "image"
        and not any(ancestor.tag == "note" for ancestor in media.iterancestors())
        and (image := _image(media))
    ]
    if images:
        images[0].lead = True
    return images


def _image(media):
    """The picture a ``media`` element shows, from its largest ``media-reference``; None if it gives nothing."""
    references = media.findall("media-reference")
    best = max((each for each in references if (each.get("source") or "").strip()), key=_area, default=None)
    source = best.get("source").strip() if best is not None else ""
    alt_texts = [one_line(each.get("alternate-text")) for each in ([best] if best is not None else []) + references]
    image = ImageRecord(
        caption=_plain(media.find("media-caption")),
        credit=_text(media.find("media-producer")),
        alt_text=next((alt for alt in alt_texts if alt), ""),
    )
    if is_web_url(source):
        image.url = source
    elif not URI_SCHEME.match(source):
        image.file = source
    return image if image.file or image.url or image.caption else None


def _area(reference):
    """A media-reference's declared width × height (0 when it says nothing readable), for picking the largest."""
    try:
        return int(reference.get("width") or 0) * int(reference.get("height") or 0)
    except ValueError:
        return 0


def _body(contents, endings=()):
    """
    ``(sanitised body HTML, quotes)`` from the ``body.content`` elements, then the ``body.end``
    taglines ("Priya Nair contributed reporting."), which close a story in italics.
    """
    quotes = []
    markup = "".join(_blocks(content, quotes) for content in contents)
    markup += "".join(_wrapped("p", _wrapped("em", _tidy(_inline(line, quotes)))) for line in endings)
    return clean_body(markup), quotes


def _blocks(element, quotes, *, loose_paragraphs=True):
    """
    HTML for what ``element`` holds: its block children converted and the loose text and
    inline markup between them made paragraphs (or, in a list item or a table cell, kept as
    they are). Quotes met on the way are added to ``quotes``.
    """
    parts, run = [], [_escaped(element.text)]
    for child in element:
        if not isinstance(child.tag, str) or child.tag in INLINE_TAGS:
            run.append(_inline_child(child, quotes))
        else:
            parts.append(_loose(run, paragraphs=loose_paragraphs))
            parts.append(_block(child, quotes))
            run = []
        run.append(_escaped(child.tail))
    parts.append(_loose(run, paragraphs=loose_paragraphs))
    return "".join(parts)


def _loose(run, *, paragraphs):
    """Loose text and inline markup: a paragraph per blank-line-separated part, or tidied as it is."""
    markup = "".join(run)
    if not paragraphs:
        return _tidy(markup)
    return "".join(_wrapped("p", _tidy(part)) for part in BLANK_LINE.split(markup))


def _block(element, quotes):
    """The HTML for one block-level element."""
    tag = element.tag
    if tag in LEFT_OUT:
        return ""
    if tag in PARAGRAPH_TAGS:
        return _wrapped(PARAGRAPH_TAGS[tag], _tidy(_inline(element, quotes)))
    if tag in ("ul", "ol"):
        items = "".join(
            f"<li>{_blocks(item, quotes, loose_paragraphs=False)}</li>" for item in element if item.tag == "li"
        )
        return _wrapped(tag, items)
    if tag == "table":
        return _table(element, quotes)
    if tag == "bq":
        return _blockquote(element, quotes)
    if tag == "pre":
        return _wrapped("pre", escape("".join(element.itertext()), quote=False))
    if tag == "hr":
        return "<hr>"
    return _blocks(element, quotes)  # block, nitf-table, fn, dl and others: what they hold


def _table(table, quotes):
    """A table as its rows of header and data cells, with their spans; captions and styling are left out."""
    rows = []
    for row in table.iter("tr"):
        cells = "".join(_cell(cell, quotes) for cell in row if cell.tag in ("th", "td"))
        if cells:
            rows.append(f"<tr>{cells}</tr>")
    return f"<table><tbody>{''.join(rows)}</tbody></table>" if rows else ""


def _cell(cell, quotes):
    """A ``th`` or ``td`` with its text and inline markup, and its column and row spans."""
    spans = "".join(
        f' {name}="{cell.get(name)}"' for name in ("colspan", "rowspan") if (cell.get(name) or "").isdigit()
    )
    return f"<{cell.tag}{spans}>{_blocks(cell, quotes, loose_paragraphs=False)}</{cell.tag}>"


def _blockquote(bq, quotes):
    """
    A ``<blockquote>`` citing its ``credit``; a quote too when it names its speaker
    (``quote-source``, else the credit), placed before the quotes inside it.
    """
    position = len(quotes)
    words = _blocks(bq, quotes)
    credit = one_line(" ".join(_text(credit) for credit in bq.iterfind("credit")))
    speaker = one_line(bq.get("quote-source")) or credit.lstrip(DASHES)
    text = html_to_text(words).rstrip(DASHES).strip(QUOTE_MARKS)
    if speaker and text:
        quotes.insert(position, QuoteRecord(text=text, speaker=speaker))
    cite = f"<cite>{escape(credit, quote=False)}</cite>" if credit else ""
    return f"<blockquote>{words}{cite}</blockquote>"


def _inline(element, quotes):
    """The HTML for what an inline element (or a paragraph) holds."""
    parts = [_escaped(element.text)]
    for child in element:
        parts.append(_inline_child(child, quotes))
        parts.append(_escaped(child.tail))
    return "".join(parts)


def _inline_child(element, quotes):
    """
    One inline element as HTML, without its tail: ``em``/``strong`` and http(s) links kept,
    ``br`` a line break, ``q`` its words in quotation marks, anything else its text.
    """
    tag = element.tag
    if not isinstance(tag, str):  # an entity only the DTD would define: shown as written
        return _escaped(element.text)
    if tag in LEFT_OUT:
        return ""
    if tag == "br":
        return "<br>"
    inner = _inline(element, quotes)
    if tag in ("em", "strong"):
        return f"<{tag}>{inner}</{tag}>"
    if tag == "a":
        href = (element.get("href") or "").strip()
        return f'<a href="{escape(href)}">{inner}</a>' if is_web_url(href) else inner
    if tag == "q":
        speaker, text = one_line(element.get("quote-source")), _text(element).strip(QUOTE_MARKS)
        if speaker and text:
            quotes.append(QuoteRecord(text=text, speaker=speaker))
        return f"“{inner}”"
    return inner


def _escaped(text):
    return escape(text, quote=False) if text else ""


def _tidy(markup):
    """Runs of XML whitespace (indentation, line ends) as one space; no-break spaces stay."""
    return SPACES.sub(" ", markup).strip()


def _wrapped(tag, markup):
    return f"<{tag}>{markup}</{tag}>" if markup else ""
